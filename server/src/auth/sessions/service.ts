import { sql, type Kysely, type QueryCreator } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { Coalescer } from '../../db/coalesce.ts';
import { PreparedStatement, runPrepared } from '../../db/prepared.ts';
import type { Schema, SessionState } from '../../db/schema.ts';
import { issueSessionToken, verifySessionToken } from './token.ts';

/** Who is making a request, as established by the one session check. */
export interface AuthContext {
  readonly sessionId: string;
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly isSystemAdmin: boolean;
  readonly state: SessionState;
  readonly createdAt: Date;
  /**
   * The user's active memberships, read in the same statement as the session (one round trip for
   * the session, access-hours and permission checks): fresh on every request.
   */
  readonly memberships: readonly SessionMembership[];
}

/** An active membership with what the access-hours and permission checks need of its institution. */
export interface SessionMembership {
  readonly institutionId: string;
  readonly institutionName: string;
  readonly roles: readonly string[];
  readonly accessHours: unknown;
  readonly exportPermission: boolean;
  readonly timeZone: string;
  readonly justifiedAccessHours: number;
  readonly careRelationshipDays: number;
  readonly nursesWriteNotes: boolean;
}

/** A live session as the session check reads it. */
interface SessionRow {
  readonly id: string;
  readonly secret_hash: Buffer;
  readonly user_id: string;
  readonly state: SessionState;
  readonly created_at: Date;
  readonly username: string;
  readonly display_name: string;
  readonly is_system_admin: boolean;
  readonly disabled_at: Date | null;
  readonly expired: boolean;
  readonly idle: boolean;
  readonly stale: boolean;
  readonly memberships: SessionMembership[];
}

export interface SessionSummary {
  readonly id: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly ip: string;
  readonly userAgent: string;
}

export interface StartSession {
  readonly userId: string;
  readonly state: SessionState;
  readonly idleTimeoutMinutes: number;
  readonly absoluteTimeoutMinutes: number;
  readonly ip: string;
  readonly userAgent: string;
}

export type RevocationReason =
  | 'logout'
  | 'revoked_by_user'
  | 'signed_out_everywhere'
  | 'password_changed'
  | 'password_reset'
  | 'user_disabled'
  | 'idle'
  | 'expired'
  | 'outside_hours';

// Writing last_seen_at on every request would turn every read into a write; once every 30 s keeps
// idle expiry accurate to that margin.
const TOUCH_AFTER_SECONDS = 30;

/**
 * Server-side sessions: the one place that issues, checks and revokes them. Every check reads the
 * database, so a revocation on any node takes effect on every node at the next request.
 */
// The live sessions of an array of token hashes, each with its user and active memberships.
const LOOK_UP_SESSIONS = new PreparedStatement((db: Kysely<Schema>, param) =>
  db
    .selectFrom('ward.sessions as s')
    .innerJoin('ward.users as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.secret_hash',
      's.user_id',
      's.state',
      's.created_at',
      'u.username',
      'u.display_name',
      'u.is_system_admin',
      'u.disabled_at',
      sql<boolean>`s.expires_at <= now()`.as('expired'),
      sql<boolean>`s.last_seen_at + make_interval(secs => s.idle_timeout_seconds) <= now()`.as('idle'),
      sql<boolean>`s.last_seen_at + make_interval(secs => ${sql.lit(TOUCH_AFTER_SECONDS)}) <= now()`.as(
        'stale',
      ),
      sql<SessionMembership[]>`(
        SELECT coalesce(json_agg(json_build_object(
                 'institutionId', m.institution_id, 'institutionName', i.name, 'roles', m.roles,
                 'accessHours', m.access_hours, 'exportPermission', m.export_permission,
                 'timeZone', i.time_zone, 'justifiedAccessHours', i.justified_access_hours,
                 'careRelationshipDays', i.care_relationship_days,
                 'nursesWriteNotes', i.nurses_write_notes)), '[]'::json)
          FROM ward.memberships m JOIN ward.institutions i ON i.id = m.institution_id
         WHERE m.user_id = s.user_id AND m.disabled_at IS NULL)`.as('memberships'),
    ])
    // As one array, so that the statement's text is the same whatever the batch's size.
    .where('s.secret_hash', '=', sql<Buffer>`ANY(${param(1)}::bytea[])`)
    .where('s.revoked_at', 'is', null),
);

export class SessionService {
  readonly #db: Kysely<Schema>;
  readonly #signingKeys: readonly string[];
  // Concurrent requests' session checks are read by one statement: each still sees the session as
  // it is after the request arrived, so a revocation counts from the next request, on every node.
  readonly #lookups = new Coalescer((hashes: readonly Buffer[]) => this.#lookUp(hashes));

  constructor(db: Kysely<Schema>, signingKey: string, previousSigningKey?: string) {
    this.#db = db;
    this.#signingKeys = previousSigningKey ? [signingKey, previousSigningKey] : [signingKey];
  }

  /**
   * Starts a new session (a fresh random id at every sign-in) and returns its token. `alongside`
   * may add inserts (common table expressions) that commit in the same statement.
   */
  async start<DB extends Schema = Schema>(
    input: StartSession,
    db: Kysely<Schema> = this.#db,
    alongside?: (db: Kysely<Schema>) => QueryCreator<DB>,
  ): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
    const signingKey = this.#signingKeys[0] ?? '';
    const { token, secretHash } = issueSessionToken(signingKey);
    const id = uuidv7();
    // The expressions `alongside` adds only add names to Schema, so its creator still knows every table.
    const insert = (alongside ? (alongside(db) as unknown as QueryCreator<Schema>) : db)
      .insertInto('ward.sessions')
      .values({
        id,
        secret_hash: secretHash,
        user_id: input.userId,
        state: input.state,
        idle_timeout_seconds: input.idleTimeoutMinutes * 60,
        expires_at: sql<Date>`now() + make_interval(mins => ${input.absoluteTimeoutMinutes})`,
        ip: input.ip,
        user_agent: input.userAgent.slice(0, 512),
      })
      .returning('expires_at');
    const [row] = (await runPrepared(db, insert)).rows;
    if (!row) throw new Error('the new session was not stored');
    return { token, sessionId: id, expiresAt: row.expires_at };
  }

  /** The session a token stands for, if it is genuine, not revoked, not idle too long and not expired. */
  async authenticate(token: string): Promise<AuthContext | undefined> {
    const secretHash = verifySessionToken(token, this.#signingKeys);
    if (!secretHash) return undefined;
    const row = await this.#lookups.submit(secretHash);
    if (!row) return undefined;
    if (row.disabled_at !== null) {
      await this.revoke(row.id, 'user_disabled');
      return undefined;
    }
    if (row.expired || row.idle) {
      await this.revoke(row.id, row.expired ? 'expired' : 'idle');
      return undefined;
    }
    if (row.stale) {
      await this.#db
        .updateTable('ward.sessions')
        .set({ last_seen_at: sql`now()` })
        .where('id', '=', row.id)
        .execute();
    }
    return {
      sessionId: row.id,
      userId: row.user_id,
      username: row.username,
      displayName: row.display_name,
      isSystemAdmin: row.is_system_admin,
      state: row.state,
      createdAt: row.created_at,
      memberships: row.memberships,
    };
  }

  /** The live sessions of a batch of token hashes, each with its user and active memberships. */
  async #lookUp(secretHashes: readonly Buffer[]): Promise<PromiseSettledResult<SessionRow | undefined>[]> {
    // Many requests of one client carry the same token.
    const distinct = new Map(secretHashes.map((h) => [h.toString('hex'), h]));
    const { rows } = await LOOK_UP_SESSIONS.run(this.#db, [[...distinct.values()]]);
    const byHash = new Map(rows.map((row) => [row.secret_hash.toString('hex'), row]));
    return secretHashes.map((h) => ({ status: 'fulfilled', value: byHash.get(h.toString('hex')) }));
  }

  async setState(sessionId: string, state: SessionState, db: Kysely<Schema> = this.#db): Promise<void> {
    await db.updateTable('ward.sessions').set({ state }).where('id', '=', sessionId).execute();
  }

  /** Revokes one session; with `userId`, only if it belongs to that user. Returns whether one was revoked. */
  async revoke(
    sessionId: string,
    reason: RevocationReason,
    userId?: string,
    db: Kysely<Schema> = this.#db,
  ): Promise<boolean> {
    let query = db
      .updateTable('ward.sessions')
      .set({ revoked_at: sql`now()`, revoked_reason: reason })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null);
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revokes every session of a user, except `keepSessionId` when given. Returns how many. */
  async revokeAllOfUser(
    userId: string,
    reason: RevocationReason,
    keepSessionId?: string,
    db: Kysely<Schema> = this.#db,
  ): Promise<number> {
    let query = db
      .updateTable('ward.sessions')
      .set({ revoked_at: sql`now()`, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepSessionId !== undefined) query = query.where('id', '<>', keepSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The user's live sessions, most recent first. */
  async listOfUser(userId: string): Promise<SessionSummary[]> {
    const rows = await this.#db
      .selectFrom('ward.sessions')
      .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .where(sql<boolean>`last_seen_at + make_interval(secs => idle_timeout_seconds) > now()`)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      ip: r.ip,
      userAgent: r.user_agent,
    }));
  }
}

import { createHmac } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { Coalescer } from '../db/coalesce.ts';
import { PreparedStatement } from '../db/prepared.ts';
import type { AuditEventsTable, Schema } from '../db/schema.ts';

/** What happened, recorded in the same transaction as the action itself. Never a secret, never clinical content. */
export interface AuditEvent {
  readonly action: string;
  readonly outcome: 'success' | 'denied' | 'failure';
  readonly institutionId?: string | null | undefined;
  readonly actorId?: string | null | undefined;
  readonly actorUsername?: string | null | undefined;
  readonly targetType?: string | null | undefined;
  readonly targetId?: string | null | undefined;
  readonly patientId?: string | null | undefined;
  readonly ip?: string | null | undefined;
  readonly userAgent?: string | null | undefined;
  readonly reason?: string | null | undefined;
  /** Small, non-sensitive facts: counts, filters, before/after of settings. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** JSON with object keys sorted at every level, so the same content always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Most audit rows carry no details.
  let empty = true;
  for (const key in value) {
    if (Object.hasOwn(value, key)) {
      empty = false;
      break;
    }
  }
  if (empty) return '{}';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface StoredEventFields {
  readonly event_id: string;
  readonly institution_id: string | null;
  readonly actor_id: string | null;
  readonly actor_username: string | null;
  readonly action: string;
  readonly target_type: string | null;
  readonly target_id: string | null;
  readonly patient_id: string | null;
  readonly outcome: string;
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly reason: string | null;
  readonly details: unknown;
}

const jsonText = (value: string | null | undefined): string =>
  value === null || value === undefined ? 'null' : JSON.stringify(value);

/**
 * The bytes the application's MAC covers: every field it wrote, as the canonical JSON array
 * `canonicalJson([event_id, institution_id, …, reason, details])`. Built directly, because
 * `audit-verify` computes it for every row of the trail; the bytes are the same.
 */
export function macContent(e: StoredEventFields): string {
  return macContentWithDetails(e, canonicalJson(e.details ?? {}));
}

/** macContent, given the canonical JSON of the details already (`audit-verify` reads it as text). */
export function macContentWithDetails(
  e: Omit<StoredEventFields, 'details'>,
  canonicalDetails: string,
): string {
  return `[${jsonText(e.event_id)},${jsonText(e.institution_id)},${jsonText(e.actor_id)},${jsonText(e.actor_username)},${jsonText(e.action)},${jsonText(e.target_type)},${jsonText(e.target_id)},${jsonText(e.patient_id)},${jsonText(e.outcome)},${jsonText(e.ip)},${jsonText(e.user_agent)},${jsonText(e.reason)},${canonicalDetails}]`;
}

/**
 * canonicalJson of details stored as jsonb, from the column's text (`details::text`): the same
 * bytes as canonicalJson of the value pg would have parsed it into. Most rows carry `{}`.
 */
export function canonicalDetailsFromText(text: string): string {
  if (text === '{}') return text;
  return canonicalJson((JSON.parse(text) as unknown) ?? {});
}

export interface AuditKey {
  readonly id: string;
  readonly key: string;
}

export function auditKeyFrom(secret: string): AuditKey {
  const key = createHmac('sha256', secret).update('ward:audit-mac').digest('base64url');
  return { id: createHmac('sha256', key).update('ward:audit-key-id').digest('hex').slice(0, 12), key };
}

export function macOf(key: AuditKey, content: string): string {
  return `${key.id}.${createHmac('sha256', key.key).update(content).digest('base64url')}`;
}

/** Who and where, from the request: the signed-in user, the client's address and browser. */
export function requestContext(
  request: FastifyRequest,
): Pick<AuditEvent, 'actorId' | 'actorUsername' | 'ip' | 'userAgent'> {
  const ua = request.headers['user-agent'];
  return {
    actorId: request.auth?.userId ?? null,
    actorUsername: request.auth?.username ?? null,
    ip: request.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}

export type AuditRow = Insertable<AuditEventsTable>;

/**
 * Text as PostgreSQL stores it, so that the MAC covers what is stored: a NUL (which text and jsonb
 * refuse) and a lone surrogate (stored as U+FFFD, or refused in jsonb) become U+FFFD. Clients can
 * send both in JSON, and cutting text to length can split an emoji; either would otherwise make
 * `audit-verify` report a row Ward wrote as not written by Ward.
 */
function storable(text: string, maxLength?: number): string {
  const cut = maxLength === undefined ? text : text.slice(0, maxLength);
  return cut.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

function storableOrNull(text: string | null | undefined, maxLength?: number): string | null {
  return text === null || text === undefined ? null : storable(text, maxLength);
}

function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableJson(v)]));
  return value;
}

/**
 * Writes audit events. Each row gets an HMAC under a key derived from `token.secret`, which the
 * database never holds: a row someone inserts by hand has no valid MAC, and `audit-verify` says so.
 * Rows are inserted freely (no lock) and sealed into the hash chain afterwards by the sealer.
 */
// The columns an audit row is written with, in the order INSERT_EVENTS takes them as arrays.
export const INSERTED_COLUMNS = [
  'event_id',
  'institution_id',
  'actor_id',
  'actor_username',
  'action',
  'target_type',
  'target_id',
  'patient_id',
  'outcome',
  'ip',
  'user_agent',
  'reason',
  'details',
  'mac',
] as const satisfies readonly (keyof AuditRow)[];

const INSERT_EVENTS = new PreparedStatement(
  (_db: Kysely<Schema>, param) => sql`INSERT INTO ward.audit_events (event_id, institution_id, actor_id,
      actor_username, action, target_type, target_id, patient_id, outcome, ip, user_agent, reason, details, mac)
    SELECT * FROM unnest(${param(1)}::uuid[], ${param(2)}::uuid[], ${param(3)}::uuid[], ${param(4)}::text[],
      ${param(5)}::text[], ${param(6)}::text[], ${param(7)}::text[], ${param(8)}::uuid[], ${param(9)}::text[],
      ${param(10)}::text[], ${param(11)}::text[], ${param(12)}::text[], ${param(13)}::jsonb[], ${param(14)}::text[])`,
);

export class AuditLog {
  readonly #key: AuditKey;
  readonly #db: Kysely<Schema>;
  // Events recorded outside a transaction (reads, searches, refusals) from concurrent requests are
  // written by one multi-row INSERT; each request still returns only once its row is committed.
  readonly #batches: Coalescer<AuditRow, void>;

  constructor(db: Kysely<Schema>, key: AuditKey) {
    this.#db = db;
    this.#key = key;
    this.#batches = new Coalescer((rows) => this.#insertBatch(rows));
  }

  /**
   * Records an event: in `db` when given (the action's own transaction), otherwise on its own,
   * committed before this resolves.
   */
  async record(event: AuditEvent, db?: Kysely<Schema>): Promise<void> {
    const row = this.rowFor(event);
    if (db) await db.insertInto('ward.audit_events').values(row).execute();
    else await this.#batches.submit(row);
  }

  /** The row for an event, MAC included, for a caller that inserts it within its own statement. */
  rowFor(event: AuditEvent): AuditRow {
    const fields: StoredEventFields = {
      event_id: uuidv7(),
      institution_id: event.institutionId ?? null,
      actor_id: event.actorId ?? null,
      actor_username: storableOrNull(event.actorUsername),
      action: storable(event.action),
      target_type: storableOrNull(event.targetType),
      target_id: storableOrNull(event.targetId),
      patient_id: event.patientId ?? null,
      outcome: event.outcome,
      ip: storableOrNull(event.ip),
      user_agent: storableOrNull(event.userAgent, 512),
      reason: storableOrNull(event.reason, 1000),
      details: storableJson(JSON.parse(canonicalJson(event.details ?? {}))),
    };
    return {
      ...fields,
      details: JSON.stringify(fields.details),
      mac: macOf(this.#key, macContent(fields)),
    };
  }

  async #insertBatch(rows: readonly AuditRow[]): Promise<PromiseSettledResult<void>[]> {
    try {
      await this.#insert(rows);
      return rows.map(() => ({ status: 'fulfilled', value: undefined }));
    } catch (error) {
      if (rows.length === 1) throw error;
      // One row the database refuses must not cost the other requests their answer: write each
      // alone, so that only its own request fails (an outage still fails them all).
      return Promise.allSettled(
        rows.map(async (row) => {
          await this.#insert([row]);
        }),
      );
    }
  }

  /** Inserts rows as one prepared statement over arrays, the same text for any number of rows. */
  async #insert(rows: readonly AuditRow[]): Promise<void> {
    await INSERT_EVENTS.run(
      this.#db,
      INSERTED_COLUMNS.map((column) => rows.map((row) => row[column])),
    );
  }
}

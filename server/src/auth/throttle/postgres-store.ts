import { sql, type Kysely, type RawBuilder } from 'kysely';
import { runPrepared } from '../../db/prepared.ts';
import type { Schema } from '../../db/schema.ts';
import { IP_WINDOW_SECONDS, LOCKED_FOREVER, lockSecondsAfter, MAX_CONSECUTIVE_FAILURES } from './policy.ts';
import type { Claim, IpState, LockState, SignInClaims, ThrottleStore } from './store.ts';

// The backoff policy as a table PostgreSQL can read inside one statement: seconds of lock after the
// n-th consecutive failure (index n, from 1), -1 for a lock without end.
const LOCK_SECONDS = Array.from({ length: MAX_CONSECUTIVE_FAILURES }, (_, i) => {
  const seconds = lockSecondsAfter(i + 1);
  return Number.isFinite(seconds) ? seconds : -1;
});

/** SQL for when a key is locked until after its `failures`-th consecutive failure, or NULL. */
function lockedUntilSql(failures: RawBuilder<unknown>): RawBuilder<unknown> {
  const seconds = sql`(${LOCK_SECONDS}::float8[])[LEAST(${failures}, ${MAX_CONSECUTIVE_FAILURES})]`;
  return sql`CASE WHEN ${seconds} < 0 THEN ${LOCKED_FOREVER}::timestamptz
                  WHEN ${seconds} = 0 THEN NULL
                  ELSE now() + make_interval(secs => ${seconds}) END`;
}

function lockedUntil(failures: number, now: Date): Date | undefined {
  const seconds = lockSecondsAfter(failures);
  if (seconds === 0) return undefined;
  return Number.isFinite(seconds) ? new Date(now.getTime() + seconds * 1000) : LOCKED_FOREVER;
}

/**
 * Claims a guess against a key unless it is locked, as one upsert: the row lock it takes makes the
 * check and the count one step. With `onlyIf`, only when that condition holds.
 */
function accountClaim(key: string, onlyIf: RawBuilder<boolean> = sql`true`): RawBuilder<unknown> {
  return sql`
    INSERT INTO ward.throttle_counters AS t (key, consecutive_failures, locked_until)
    SELECT ${key}, 1, ${lockedUntilSql(sql`1`)} WHERE ${onlyIf}
    ON CONFLICT (key) DO UPDATE SET
      consecutive_failures = t.consecutive_failures + 1,
      locked_until = ${lockedUntilSql(sql`t.consecutive_failures + 1`)},
      updated_at = now()
    WHERE t.locked_until IS NULL OR t.locked_until <= now()
    RETURNING t.consecutive_failures, t.locked_until`;
}

/** Counts a guess against an address's window unless it has reached `ceiling`, as one upsert. */
function addressClaim(ip: string, ceiling: number): RawBuilder<unknown> {
  const expired = sql<boolean>`t.window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS}) <= now()`;
  return sql`
    INSERT INTO ward.throttle_counters AS t (key, window_count) VALUES (${`ip:${ip}`}, 1)
    ON CONFLICT (key) DO UPDATE SET
      window_count = CASE WHEN ${expired} THEN 1 ELSE t.window_count + 1 END,
      window_started_at = CASE WHEN ${expired} THEN now() ELSE t.window_started_at END,
      updated_at = now()
    WHERE ${expired} OR t.window_count < ${ceiling}
    RETURNING t.window_count, t.window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS}) AS ends`;
}

/** Throttle counters in PostgreSQL: one upsert per failure, atomic under concurrency. */
export class PostgresThrottleStore implements ThrottleStore {
  readonly #db: Kysely<Schema>;
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async lockState(key: string): Promise<LockState> {
    const row = await this.#db
      .selectFrom('ward.throttle_counters')
      .select(['consecutive_failures', 'locked_until', sql<Date>`now()`.as('now')])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return { failures: 0, lockedUntil: undefined };
    const until = row.locked_until && row.locked_until > row.now ? row.locked_until : undefined;
    return { failures: row.consecutive_failures, lockedUntil: until };
  }

  async recordFailure(key: string): Promise<LockState> {
    const row = await this.#db
      .insertInto('ward.throttle_counters')
      .values({ key, consecutive_failures: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          consecutive_failures: sql`ward.throttle_counters.consecutive_failures + 1`,
          updated_at: sql`now()`,
        }),
      )
      .returning(['consecutive_failures', sql<Date>`now()`.as('now')])
      .executeTakeFirstOrThrow();
    const until = lockedUntil(row.consecutive_failures, row.now);
    if (until) {
      await this.#db
        .updateTable('ward.throttle_counters')
        .set({ locked_until: until })
        .where('key', '=', key)
        .execute();
    }
    return { failures: row.consecutive_failures, lockedUntil: until };
  }

  async reset(key: string): Promise<void> {
    await this.#db.deleteFrom('ward.throttle_counters').where('key', '=', key).execute();
  }

  async ipState(ip: string): Promise<IpState> {
    const row = await this.#db
      .selectFrom('ward.throttle_counters')
      .select([
        'window_count',
        sql<Date>`window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS})`.as('ends'),
        sql<Date>`now()`.as('now'),
      ])
      .where('key', '=', `ip:${ip}`)
      .executeTakeFirst();
    if (!row || row.ends <= row.now)
      return { failures: 0, windowEndsAt: new Date(Date.now() + IP_WINDOW_SECONDS * 1000) };
    return { failures: row.window_count, windowEndsAt: row.ends };
  }

  async recordIpFailure(ip: string): Promise<IpState> {
    const expired = sql<boolean>`ward.throttle_counters.window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS}) <= now()`;
    const row = await this.#db
      .insertInto('ward.throttle_counters')
      .values({ key: `ip:${ip}`, window_count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          window_count: sql`CASE WHEN ${expired} THEN 1 ELSE ward.throttle_counters.window_count + 1 END`,
          window_started_at: sql`CASE WHEN ${expired} THEN now() ELSE ward.throttle_counters.window_started_at END`,
          updated_at: sql`now()`,
        }),
      )
      .returning([
        'window_count',
        sql<Date>`window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS})`.as('ends'),
      ])
      .executeTakeFirstOrThrow();
    return { failures: row.window_count, windowEndsAt: row.ends };
  }

  async claimAttempt(key: string): Promise<Claim<LockState>> {
    const result = await sql<{ consecutive_failures: number; locked_until: Date | null }>`
      ${accountClaim(key)}`.execute(this.#db);
    const row = result.rows[0];
    if (!row) return { allowed: false, ...(await this.lockState(key)) };
    return { allowed: true, failures: row.consecutive_failures, lockedUntil: row.locked_until ?? undefined };
  }

  async claimIpAttempt(ip: string, ceiling: number): Promise<Claim<IpState>> {
    const result = await sql<{ window_count: number; ends: Date }>`${addressClaim(ip, ceiling)}`.execute(
      this.#db,
    );
    const row = result.rows[0];
    if (!row) return { allowed: false, ...(await this.ipState(ip)) };
    return { allowed: true, failures: row.window_count, windowEndsAt: row.ends };
  }

  async claimSignIn(ip: string, ceiling: number, key: string): Promise<SignInClaims> {
    // One statement: the key is claimed only when the address's claim returned a row.
    const claims = sql<{
      window_count: number | null;
      ends: Date | null;
      consecutive_failures: number | null;
      locked_until: Date | null;
      account_claimed: boolean;
    }>`
      WITH address AS (${addressClaim(ip, ceiling)}),
           account AS (${accountClaim(key, sql`EXISTS (SELECT 1 FROM address)`)})
      SELECT (SELECT window_count FROM address) AS window_count, (SELECT ends FROM address) AS ends,
             (SELECT consecutive_failures FROM account) AS consecutive_failures,
             (SELECT locked_until FROM account) AS locked_until,
             EXISTS (SELECT 1 FROM account) AS account_claimed`;
    const result = await runPrepared(this.#db, claims);
    // The statement always returns one row; its address columns are null when the address was refused.
    const row = result.rows[0];
    const windowCount = row?.window_count ?? null;
    const ends = row?.ends ?? null;
    if (!row || windowCount === null || ends === null)
      return { ip: { allowed: false, ...(await this.ipState(ip)) }, account: undefined };
    const address = { allowed: true, failures: windowCount, windowEndsAt: ends };
    if (!row.account_claimed || row.consecutive_failures === null)
      return { ip: address, account: { allowed: false, ...(await this.lockState(key)) } };
    return {
      ip: address,
      account: {
        allowed: true,
        failures: row.consecutive_failures,
        lockedUntil: row.locked_until ?? undefined,
      },
    };
  }

  async settleSignIn(ip: string, keys: readonly string[]): Promise<void> {
    await runPrepared(
      this.#db,
      sql`
      WITH released AS (
        UPDATE ward.throttle_counters SET window_count = GREATEST(window_count - 1, 0)
         WHERE key = ${`ip:${ip}`} RETURNING 1)
      DELETE FROM ward.throttle_counters WHERE key = ANY(${[...keys]}::text[])`,
    );
  }

  async releaseIpAttempt(ip: string): Promise<void> {
    await this.#db
      .updateTable('ward.throttle_counters')
      .set({ window_count: sql`GREATEST(window_count - 1, 0)` })
      .where('key', '=', `ip:${ip}`)
      .execute();
  }

  async close(): Promise<void> {
    // The pool belongs to the database, which closes it.
  }
}

import { sql, type Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { IP_WINDOW_SECONDS, lockSecondsAfter } from './policy.ts';
import type { IpState, LockState, ThrottleStore } from './store.ts';

const FOREVER = new Date('9999-12-31T00:00:00Z');

function lockedUntil(failures: number, now: Date): Date | undefined {
  const seconds = lockSecondsAfter(failures);
  if (seconds === 0) return undefined;
  return Number.isFinite(seconds) ? new Date(now.getTime() + seconds * 1000) : FOREVER;
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

  async close(): Promise<void> {
    // The pool belongs to the database, which closes it.
  }
}

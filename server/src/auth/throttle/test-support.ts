// Test support for the throttle: what the PostgreSQL store has counted against an account.
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';

/** Consecutive failures counted against `username`'s account key (0 when none). */
export async function failuresCounted(db: Kysely<Schema>, username: string): Promise<number> {
  const row = await db
    .selectFrom('ward.throttle_counters')
    .select('consecutive_failures')
    .where('key', '=', `account:${username}`)
    .executeTakeFirst();
  return row?.consecutive_failures ?? 0;
}

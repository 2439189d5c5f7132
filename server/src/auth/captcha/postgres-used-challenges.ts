import { sql, type Kysely } from 'kysely';
import { runPrepared } from '../../db/prepared.ts';
import type { Schema } from '../../db/schema.ts';
import { KEPT_AFTER_EXPIRY_MS, type UsedChallenges } from './used-challenges.ts';

// Expired rows are deleted at most this often per node, a bounded batch at a time, by whichever
// claim comes due: no claim waits on more than one small DELETE, and there is no timer to stop.
const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 1000;

/** Redeemed ALTCHA challenges in PostgreSQL (`ward.used_altcha_challenges`). */
export class PostgresUsedChallenges implements UsedChallenges {
  readonly #db: Kysely<Schema>;
  #nextSweepAt = 0;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async claim(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    await this.#sweepIfDue(nowMs);
    // One upsert: the row lock it takes makes the check and the record one step across nodes. An
    // existing row only gives way once expired; as a challenge's expiry is part of what its
    // signature signs, a row with this signature expires exactly when the challenge does.
    const result = await runPrepared(
      this.#db,
      sql`
      INSERT INTO ward.used_altcha_challenges AS used (signature, expires_at)
      VALUES (${signature}, ${new Date(expiresAtMs)})
      ON CONFLICT (signature) DO UPDATE SET expires_at = EXCLUDED.expires_at
      WHERE used.expires_at <= ${new Date(nowMs)}
      RETURNING 1`,
    );
    return result.rows.length === 1;
  }

  async #sweepIfDue(nowMs: number): Promise<void> {
    if (nowMs < this.#nextSweepAt) return;
    // Set before the DELETE, so that the claims arriving meanwhile do not sweep as well.
    this.#nextSweepAt = nowMs + SWEEP_INTERVAL_MS;
    // SKIP LOCKED: two nodes sweeping at once, or a claim renewing an expired row, never wait on
    // each other.
    const result = await this.#db
      .deleteFrom('ward.used_altcha_challenges')
      .where(
        'signature',
        'in',
        this.#db
          .selectFrom('ward.used_altcha_challenges')
          .select('signature')
          .where('expires_at', '<=', new Date(nowMs - KEPT_AFTER_EXPIRY_MS))
          .limit(SWEEP_BATCH)
          .forUpdate()
          .skipLocked(),
      )
      .executeTakeFirst();
    // A full batch may have left more behind: the next claim sweeps again.
    if (result.numDeletedRows >= BigInt(SWEEP_BATCH)) this.#nextSweepAt = 0;
  }

  async close(): Promise<void> {
    // The pool belongs to the database, which closes it.
  }
}

import { sql, type Kysely } from 'kysely';
import { runPrepared } from '../../db/prepared.ts';
import type { Schema } from '../../db/schema.ts';
import type { UsedChallenges } from './used-challenges.ts';

/**
 * Redeemed ALTCHA challenges in PostgreSQL (`ward.used_altcha_challenges`). Rows a minute past their
 * expiry (KEPT_AFTER_EXPIRY_MS) are deleted by the housekeeping job, with the other tables' (server/src/housekeeping/).
 */
export class PostgresUsedChallenges implements UsedChallenges {
  readonly #db: Kysely<Schema>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  async claim(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
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

  async close(): Promise<void> {
    // The pool belongs to the database, which closes it.
  }
}

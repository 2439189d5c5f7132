import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { decryptSecret, encryptSecret, keyIdOf } from './core/index.ts';
import { recordKeyCheck, type TwoFactorKeyring } from './keys.ts';

const BATCH = 500;

export interface RotationResult {
  readonly reencrypted: number;
}

/**
 * Re-encrypts every stored TOTP secret under the current key, online: each row is swapped with a
 * compare-and-set, so a user enrolling or signing in meanwhile is never overwritten, and nodes
 * holding both keys keep verifying codes throughout. Last, the key check moves to the new key,
 * after which nodes still configured with only the old key refuse to start.
 */
export async function rotateTwoFactorKey(
  db: Kysely<Schema>,
  keyring: TwoFactorKeyring,
  progress: (done: number) => void = () => undefined,
): Promise<RotationResult> {
  if (!keyring.previous) {
    throw new Error(
      'set auth.2fa.password.previous to the old value and auth.2fa.password to the new one, then run this again',
    );
  }
  const current = keyring.current;
  const prefix = `v1.${current.id}.`;
  let reencrypted = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ward.two_factor')
      .select(['user_id', 'secret_ciphertext', 'pending_ciphertext'])
      .where((eb) =>
        eb.or([
          eb.and([
            eb('secret_ciphertext', 'is not', null),
            eb('secret_ciphertext', 'not like', `${prefix}%`),
          ]),
          eb.and([
            eb('pending_ciphertext', 'is not', null),
            eb('pending_ciphertext', 'not like', `${prefix}%`),
          ]),
        ]),
      )
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const aad = `ward-totp:${row.user_id}`;
      const again = (stored: string | null): string | null =>
        stored === null || keyIdOf(stored) === current.id
          ? stored
          : encryptSecret(current, decryptSecret(keyring.all, stored, aad), aad);
      const result = await db
        .updateTable('ward.two_factor')
        .set({
          secret_ciphertext: again(row.secret_ciphertext),
          pending_ciphertext: again(row.pending_ciphertext),
        })
        .where('user_id', '=', row.user_id)
        .where((eb) =>
          row.secret_ciphertext === null
            ? eb('secret_ciphertext', 'is', null)
            : eb('secret_ciphertext', '=', row.secret_ciphertext),
        )
        .where((eb) =>
          row.pending_ciphertext === null
            ? eb('pending_ciphertext', 'is', null)
            : eb('pending_ciphertext', '=', row.pending_ciphertext),
        )
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) reencrypted++;
    }
    progress(reencrypted);
  }
  await recordKeyCheck(db, current);
  return { reencrypted };
}

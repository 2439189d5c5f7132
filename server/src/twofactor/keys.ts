import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WardConfig } from '../config/types.ts';
import type { Schema } from '../db/schema.ts';
import { deriveSecretKey, generateKeySalt, keyCheckValue, keyMatches, type SecretKey } from './core/index.ts';

// Deployment-wide values every node reads from the database, so that nodes derive the same key.
const SALT_SETTING = 'twofactor.kdf_salt';
const CHECK_SETTING = 'twofactor.key_check';
const PEPPER_SETTING = 'twofactor.recovery_pepper';

/** The keys that encrypt TOTP secrets: the current one, and during a rotation the previous one. */
export interface TwoFactorKeyring {
  readonly current: SecretKey;
  readonly previous: SecretKey | undefined;
  /** Keys to try when decrypting, current first. */
  readonly all: readonly SecretKey[];
  /** Keys recovery codes (high-entropy) with HMAC; independent of the encryption key. */
  readonly recoveryPepper: Buffer;
}

/** This node's `auth.2fa.password` is not the key the deployment's secrets are encrypted with. */
export class TwoFactorKeyMismatchError extends Error {
  override readonly name = 'TwoFactorKeyMismatchError';
}

async function setting(db: Kysely<Schema>, key: string, initial: () => string): Promise<string> {
  // Whichever node arrives first writes the value; everyone reads the one that won.
  await db
    .insertInto('ward.deployment_settings')
    .values({ key, value: initial() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('ward.deployment_settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return row.value;
}

export async function storedKeyCheck(db: Kysely<Schema>): Promise<string | undefined> {
  const row = await db
    .selectFrom('ward.deployment_settings')
    .select('value')
    .where('key', '=', CHECK_SETTING)
    .executeTakeFirst();
  return row?.value;
}

export async function recordKeyCheck(db: Kysely<Schema>, key: SecretKey): Promise<void> {
  await db
    .insertInto('ward.deployment_settings')
    .values({ key: CHECK_SETTING, value: keyCheckValue(key) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: keyCheckValue(key), updated_at: new Date() }))
    .execute();
}

/**
 * Derives the keys from `auth.2fa.password` (and `.previous`) with the deployment's salt, and
 * refuses to go on when the database was set up with another key: a node with the wrong key would
 * otherwise start and then fail every two-factor sign-in.
 */
export async function loadTwoFactorKeyring(
  db: Kysely<Schema>,
  config: WardConfig,
): Promise<TwoFactorKeyring> {
  const passphrase = config.twoFactor.key;
  if (passphrase === undefined) throw new TwoFactorKeyMismatchError('auth.2fa.password is not set');
  const salt = Buffer.from(
    await setting(db, SALT_SETTING, () => Buffer.from(generateKeySalt()).toString('base64')),
    'base64',
  );
  const pepper = Buffer.from(
    await setting(db, PEPPER_SETTING, () => randomBytes(32).toString('base64')),
    'base64',
  );
  const current = await deriveSecretKey(passphrase, salt);
  const previous = config.twoFactor.previousKey
    ? await deriveSecretKey(config.twoFactor.previousKey, salt)
    : undefined;

  const check = await storedKeyCheck(db);
  if (check === undefined) {
    await recordKeyCheck(db, current);
  } else if (!keyMatches(current, check) && !(previous && keyMatches(previous, check))) {
    throw new TwoFactorKeyMismatchError(
      'auth.2fa.password does not match the key this deployment encrypted its two-factor secrets with. ' +
        'Every node must have the same value. To change it, set auth.2fa.password.previous to the old value and ' +
        'auth.2fa.password to the new one on every node, then run `ward rotate-2fa-key`.',
    );
  }
  return { current, previous, all: previous ? [current, previous] : [current], recoveryPepper: pepper };
}

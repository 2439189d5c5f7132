import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

/**
 * A key that encrypts TOTP secrets at rest. `id` names the key in every value it encrypted, so that after a
 * rotation each value says which key opens it; it is derived from the key one-way and reveals nothing.
 */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The stored value names a key that this node was not given (for example the previous one was dropped). */
export class SecretKeyUnavailableError extends Error {
  readonly keyId: string;
  constructor(keyId: string) {
    super(`No two-factor encryption key with id ${keyId} is configured`);
    this.name = 'SecretKeyUnavailableError';
    this.keyId = keyId;
  }
}

/** The stored value is malformed, was altered, or belongs to another owner (AAD mismatch). */
export class SecretTamperedError extends Error {
  constructor(reason: string) {
    super(`Encrypted two-factor secret rejected: ${reason}`);
    this.name = 'SecretTamperedError';
  }
}

const FORMAT_VERSION = 'v1';
const KEY_BYTES = 32; // AES-256
const NONCE_BYTES = 12; // 96 bits, the GCM nonce size that needs no extra hashing
const TAG_BYTES = 16;
const MIN_SALT_BYTES = 16;

// scrypt work factor: the passphrase is typed by an operator, so guessing it offline must be costly.
// 128 * N * r bytes = 32 MiB, which is exactly Node's default limit, so the limit is raised.
const SCRYPT_N = 2 ** 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

const KEY_ID_LABEL = 'ward-2fa-key-id';
const KEY_CHECK_LABEL = 'ward-2fa-key-check';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** A deployment-wide random salt for `deriveSecretKey`; stored once in the database and shared by every node. */
export function generateKeySalt(): Uint8Array {
  return new Uint8Array(randomBytes(MIN_SALT_BYTES));
}

/** Derives the AES-256 key from the `auth.2fa.password` passphrase with scrypt (N=2^15, r=8, p=1). */
export async function deriveSecretKey(passphrase: string, salt: Uint8Array): Promise<SecretKey> {
  if (passphrase.length === 0) throw new RangeError('The two-factor passphrase must not be empty');
  if (salt.length < MIN_SALT_BYTES)
    throw new RangeError(`The key salt must be at least ${MIN_SALT_BYTES} bytes`);
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      KEY_BYTES,
      { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM },
      (error, derived) => {
        if (error) reject(error);
        else resolve(derived);
      },
    );
  });
  return { id: createHmac('sha256', key).update(KEY_ID_LABEL).digest().subarray(0, 8).toString('hex'), key };
}

/**
 * A value stored beside the salt so that a node configured with a different passphrase refuses to start
 * instead of failing to decrypt every secret (or encrypting new ones under a key the others lack).
 */
export function keyCheckValue(key: SecretKey): string {
  return createHmac('sha256', key.key).update(KEY_CHECK_LABEL).digest('base64url');
}

/** Whether `key` is the key that produced `storedCheck`, compared in constant time. */
export function keyMatches(key: SecretKey, storedCheck: string): boolean {
  const expected = Buffer.from(keyCheckValue(key));
  const actual = Buffer.from(storedCheck);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Encrypts with AES-256-GCM under a fresh random nonce. `aad` names the owner (for example the user id):
 * it is authenticated, not stored, so the value copied to another owner's row does not decrypt there.
 * Result: `v1.<keyId>.<nonce>.<ciphertext+tag>`, both parts base64url.
 */
export function encryptSecret(key: SecretKey, plaintext: Uint8Array, aad: string): string {
  assertUsableKey(key);
  assertOwner(aad);
  const header = `${FORMAT_VERSION}.${key.id}`;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(header, aad));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${header}.${nonce.toString('base64url')}.${sealed.toString('base64url')}`;
}

/**
 * Decrypts a value made by `encryptSecret` with whichever of `keys` it names (current and previous keys
 * during a rotation). Throws SecretKeyUnavailableError when none has that id, SecretTamperedError when the
 * value is malformed or fails authentication.
 */
export function decryptSecret(keys: readonly SecretKey[], stored: string, aad: string): Uint8Array {
  assertOwner(aad);
  const { keyId, nonce, sealed } = parseStored(stored);
  const key = keys.find((candidate) => candidate.id === keyId);
  if (key === undefined) throw new SecretKeyUnavailableError(keyId);
  assertUsableKey(key);
  const decipher = createDecipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(`${FORMAT_VERSION}.${keyId}`, aad));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const plaintext = Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return new Uint8Array(plaintext);
  } catch {
    throw new SecretTamperedError('authentication failed (altered, or encrypted for another owner)');
  }
}

/** The id of the key that encrypted `stored`, so a rotation can find the values still under an old key. */
export function keyIdOf(stored: string): string {
  return parseStored(stored).keyId;
}

function parseStored(stored: string): { keyId: string; nonce: Buffer; sealed: Buffer } {
  const parts = stored.split('.');
  if (parts.length !== 4) throw new SecretTamperedError('not an encrypted secret');
  const [version, keyId, nonceText, sealedText] = parts as [string, string, string, string];
  if (version !== FORMAT_VERSION) throw new SecretTamperedError(`unknown format ${JSON.stringify(version)}`);
  if (!KEY_ID.test(keyId)) throw new SecretTamperedError('malformed key id');
  const nonce = decodeBase64url(nonceText);
  const sealed = decodeBase64url(sealedText);
  if (nonce?.length !== NONCE_BYTES) throw new SecretTamperedError('malformed nonce');
  if (sealed === null || sealed.length <= TAG_BYTES) throw new SecretTamperedError('malformed ciphertext');
  return { keyId, nonce, sealed };
}

// Node's decoder skips characters it does not know; accept only the canonical encoding, so one stored value
// has exactly one spelling.
function decodeBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

// The header is authenticated too, so the version and key id cannot be swapped without detection.
function associatedData(header: string, owner: string): Buffer {
  return Buffer.from(`${header}\n${owner}`, 'utf8');
}

function assertUsableKey(key: SecretKey): void {
  if (key.key.length !== KEY_BYTES) throw new RangeError(`A two-factor key must be ${KEY_BYTES} bytes`);
}

function assertOwner(aad: string): void {
  if (aad.length === 0) throw new RangeError('The owner (AAD) of an encrypted secret must not be empty');
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// A session token is `ws1.<random session secret>.<HMAC of the first two parts>`. The random part
// is the session's identity (256 bits from the CSPRNG); the HMAC under `token.secret` means a token
// cannot be forged or altered even by someone who can read the sessions table, which holds only a
// SHA-256 of the secret.
const PREFIX = 'ws1';
const SECRET_BYTES = 32;

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export interface IssuedToken {
  readonly token: string;
  /** What the database keeps: SHA-256 of the session secret. */
  readonly secretHash: Buffer;
}

export function issueSessionToken(signingKey: string): IssuedToken {
  const secret = randomBytes(SECRET_BYTES);
  const body = `${PREFIX}.${secret.toString('base64url')}`;
  return {
    token: `${body}.${mac(signingKey, body).toString('base64url')}`,
    secretHash: createHash('sha256').update(secret).digest(),
  };
}

/**
 * Checks a token's signature against the current key and, during a rotation, the previous one.
 * Returns the SHA-256 of its secret to look the session up by, or undefined for anything forged,
 * altered or malformed.
 */
export function verifySessionToken(token: string, signingKeys: readonly string[]): Buffer | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const [prefix, secretPart, macPart] = parts as [string, string, string];
  const secret = Buffer.from(secretPart, 'base64url');
  const given = Buffer.from(macPart, 'base64url');
  if (secret.length !== SECRET_BYTES || secret.toString('base64url') !== secretPart || given.length !== 32) {
    return undefined;
  }
  const body = `${prefix}.${secretPart}`;
  const valid = signingKeys.some((key) => timingSafeEqual(mac(key, body), given));
  return valid ? createHash('sha256').update(secret).digest() : undefined;
}

import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Digits and capitals without the look-alikes 0/O, 1/I/L, so a code read off paper is typed right.
 * 31 symbols: each character carries log2(31) ≈ 4.95 bits.
 */
export const RECOVERY_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_LENGTH = 10;
/** Entropy of one code: 10 × log2(31) ≈ 49.5 bits. */
export const RECOVERY_CODE_BITS = RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length);

const MIN_PEPPER_BYTES = 32;
// Longer input than this is not a code a person typed; it is not worth normalising.
const MAX_INPUT_LENGTH = 64;
const WELL_FORMED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);

/** Ten distinct single-use codes, shown once as `XXXXX-XXXXX`. */
export function generateRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) {
    let code = '';
    // randomInt rejects biased draws, so every symbol is equally likely.
    for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) {
      code += RECOVERY_CODE_ALPHABET.charAt(randomInt(RECOVERY_CODE_ALPHABET.length));
    }
    codes.add(`${code.slice(0, 5)}-${code.slice(5)}`);
  }
  return [...codes];
}

/** Upper case without spaces or dashes, so "abcde fghjk" and "ABCDE-FGHJK" are the same code. */
export function normaliseRecoveryCode(input: string): string {
  if (input.length > MAX_INPUT_LENGTH) return '';
  return input.replace(/[\s\-\u2010-\u2015\u2212]+/g, '').toUpperCase();
}

/** Whether a normalised code could have been issued (right length, only alphabet symbols). */
export function isWellFormedRecoveryCode(normalised: string): boolean {
  return WELL_FORMED.test(normalised);
}

/**
 * The value stored for a recovery code: HMAC-SHA256 keyed with a server-side pepper, base64url.
 *
 * A slow password hash such as argon2 is not needed: it exists to stretch guessable human passwords, while
 * each code is ~49.5 uniformly random bits, so a stolen hash offers no shortcut beyond trying ~2^48 codes,
 * and the pepper (kept outside the database) makes even that impossible without also stealing the key. A
 * fast deterministic hash also lets the store find a code by its hash and costs the server nothing per try.
 */
export function hashRecoveryCode(code: string, pepper: Buffer): string {
  if (pepper.length < MIN_PEPPER_BYTES)
    throw new RangeError(`The recovery-code pepper must be at least ${MIN_PEPPER_BYTES} bytes`);
  return createHmac('sha256', pepper).update(normaliseRecoveryCode(code), 'utf8').digest('base64url');
}

/**
 * The index in `storedHashes` of the entry matching `input`, or null. Every entry is compared, in constant
 * time, so timing tells an attacker neither which entry matched nor how much of a hash agreed.
 */
export function matchRecoveryCode(
  input: string,
  storedHashes: readonly string[],
  pepper: Buffer,
): number | null {
  if (!isWellFormedRecoveryCode(normaliseRecoveryCode(input))) return null;
  const candidate = Buffer.from(hashRecoveryCode(input, pepper));
  let found: number | null = null;
  storedHashes.forEach((stored, index) => {
    const bytes = Buffer.from(stored);
    if (bytes.length === candidate.length && timingSafeEqual(bytes, candidate) && found === null)
      found = index;
  });
  return found;
}

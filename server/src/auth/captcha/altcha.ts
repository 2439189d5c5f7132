import { createChallenge, randomInt, verifySolution } from 'altcha-lib';
import type { Challenge, Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { CaptchaUnavailableError } from './errors.ts';
import type { AltchaSettings, CaptchaVerdict } from './types.ts';
import type { UsedChallenges } from './used-challenges.ts';

// PBKDF2 is bundled with the ALTCHA widget and runs on WebCrypto in every browser. At 1000
// iterations one attempt costs about half a millisecond, so the default maxNumber asks a browser
// for roughly a second of work on average, spread over the widget's workers.
export const ALTCHA_ALGORITHM = 'PBKDF2/SHA-256';
export const ALTCHA_COST = 1000;
export const ALTCHA_DEFAULT_MAX_NUMBER = 5000;
export const ALTCHA_DEFAULT_EXPIRES_IN_SECONDS = 600;
// The secret signs challenges; a short one could be found offline and used to sign free ones.
export const ALTCHA_MIN_HMAC_KEY_LENGTH = 32;

// A real payload is well under 2 KB; anything far longer is not worth decoding.
const MAX_PAYLOAD_LENGTH = 8192;
const MAX_COUNTER = 0xffffffff;

export interface AltchaVerifier {
  challenge(): Promise<Challenge>;
  verify(payload: string | undefined): Promise<CaptchaVerdict>;
}

/**
 * Issues signed proof-of-work challenges and redeems each solution once, before it expires, on
 * whichever node: `used` is the store every node shares.
 */
export function createAltchaVerifier(
  settings: AltchaSettings,
  used: UsedChallenges,
  now: () => number,
): AltchaVerifier {
  const hmacKey = settings.hmacKey;
  const maxNumber = settings.maxNumber ?? ALTCHA_DEFAULT_MAX_NUMBER;
  const expiresInMs = (settings.expiresInSeconds ?? ALTCHA_DEFAULT_EXPIRES_IN_SECONDS) * 1000;
  if (hmacKey.length < ALTCHA_MIN_HMAC_KEY_LENGTH) {
    throw new Error(`The ALTCHA HMAC key must be at least ${ALTCHA_MIN_HMAC_KEY_LENGTH} characters`);
  }
  if (!Number.isInteger(maxNumber) || maxNumber < 1 || maxNumber > MAX_COUNTER) {
    throw new Error(`ALTCHA maxNumber must be an integer from 1 to ${MAX_COUNTER}`);
  }
  if (!Number.isFinite(expiresInMs) || expiresInMs < 1000) {
    throw new Error('ALTCHA expiresInSeconds must be at least 1');
  }

  return {
    challenge: () =>
      createChallenge({
        algorithm: ALTCHA_ALGORITHM,
        cost: ALTCHA_COST,
        // Deterministic mode: the server picks the counter, so the work asked is bounded by maxNumber.
        counter: randomInt(maxNumber),
        deriveKey,
        hmacSignatureSecret: hmacKey,
        expiresAt: Math.floor((now() + expiresInMs) / 1000),
      }),

    async verify(encoded) {
      if (encoded === undefined || encoded.trim() === '') return { ok: false, reason: 'missing' };
      const payload = decodePayload(encoded);
      if (payload === undefined) return { ok: false, reason: 'invalid' };
      const { challenge, solution, expiresAtMs } = payload;
      // altcha-lib checks expiry against the system clock; this check honours the injected one.
      if (expiresAtMs <= now()) return { ok: false, reason: 'invalid' };

      let verified: boolean;
      try {
        ({ verified } = await verifySolution({
          challenge,
          solution,
          deriveKey,
          hmacSignatureSecret: hmacKey,
        }));
      } catch {
        // Malformed parameters can make the library throw; the visitor's payload is simply not valid.
        return { ok: false, reason: 'invalid' };
      }
      if (!verified) return { ok: false, reason: 'invalid' };
      // Only a verified payload is remembered, so forged ones cannot fill the store.
      let firstUse: boolean;
      try {
        firstUse = await used.claim(challenge.signature, expiresAtMs, now());
      } catch (error) {
        // Without the store a replay cannot be told apart: fail closed. The message names no signature.
        throw new CaptchaUnavailableError('The store of redeemed ALTCHA challenges did not answer', {
          cause: error,
        });
      }
      return firstUse ? { ok: true } : { ok: false, reason: 'invalid' };
    },
  };
}

interface DecodedPayload {
  challenge: Challenge & { signature: string };
  solution: Solution;
  expiresAtMs: number;
}

/** The widget's payload: base64 of `{challenge: {parameters, signature}, solution: {counter, derivedKey}}`. */
function decodePayload(encoded: string): DecodedPayload | undefined {
  if (encoded.length > MAX_PAYLOAD_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.challenge) || !isRecord(parsed.solution)) return undefined;
  const { parameters, signature } = parsed.challenge;
  const { counter, derivedKey, time } = parsed.solution;
  if (!isRecord(parameters) || typeof signature !== 'string') return undefined;
  if (typeof counter !== 'number' || typeof derivedKey !== 'string') return undefined;
  const expiresAt = parameters.expiresAt;
  // Every challenge Ward issues expires; one without an expiry was not issued here.
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  return {
    // The signature covers every parameter, so verifySolution rejects any that were altered.
    challenge: { parameters: parameters as unknown as Challenge['parameters'], signature },
    solution: { counter, derivedKey, ...(typeof time === 'number' ? { time } : {}) },
    expiresAtMs: expiresAt * 1000,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// What Google Authenticator and FreeOTP read (RFC 6238 defaults); fixed, never per user.
const ISSUER = 'Ward';
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD_SECONDS = 30;

/** 160 bits, the shared-secret length RFC 4226 recommends for HMAC-SHA1. */
export const TOTP_SECRET_BYTES = 20;
/** RFC 4226 section 4 requires at least 128 bits; anything shorter is a broken or missing secret. */
const MIN_SECRET_BYTES = 16;

// Input longer than this is not a code a person typed; refuse it before doing any work.
const MAX_CODE_INPUT_LENGTH = 32;

/** A fresh TOTP secret from the operating system's CSPRNG. */
export function generateTotpSecret(): Uint8Array {
  // Copy into a Uint8Array that owns its whole ArrayBuffer (Node may hand out pooled Buffers).
  return new Uint8Array(randomBytes(TOTP_SECRET_BYTES));
}

/** RFC 4648 Base32 without padding, as authenticator apps expect it. */
export function secretToBase32(secret: Uint8Array): string {
  return toOtpSecret(secret).base32;
}

/** Base32 in blocks of four separated by spaces, so a person can type it into an app without a QR code. */
export function formatSecretForReading(secretBase32: string): string {
  const compact = secretBase32.replace(/\s+/g, '').toUpperCase();
  return (compact.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * The key URI that authenticator apps import. Every parameter is spelled out, even those that equal the
 * defaults, because some apps do not assume them; the issuer appears in both the label and the parameter.
 */
export function otpauthUri({ username, secret }: { username: string; secret: Uint8Array }): string {
  return (
    `otpauth://totp/${ISSUER}:${encodeURIComponent(username)}` +
    `?secret=${secretToBase32(secret)}&issuer=${ISSUER}&algorithm=${ALGORITHM}` +
    `&digits=${DIGITS}&period=${PERIOD_SECONDS}`
  );
}

/** The key URI as an SVG QR code (error correction M: readable from a phone screen or a printout). */
export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}

/** The TOTP time step that contains `nowMs`: floor(unix seconds / 30). */
export function totpStepAt(nowMs: number): number {
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: nowMs });
}

/**
 * The absolute time step whose code equals `code`, looking at the current step and `window` steps either
 * side (clock drift), or null when the code is malformed or matches none of them.
 *
 * A match is not yet an acceptance: the caller must reject it when `isReplay(step, lastUsedStep)` and
 * otherwise store `step` as the user's last used step, so each step is accepted at most once per user.
 */
export function matchTotpStep({
  secret,
  code,
  now,
  window = 1,
}: {
  secret: Uint8Array;
  code: string;
  /** Current time in milliseconds since the Unix epoch. */
  now: number;
  window?: 0 | 1;
}): number | null {
  // A missing or truncated secret must never turn into "any code passes".
  if (secret.length < MIN_SECRET_BYTES) {
    throw new RangeError(`A TOTP secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (!Number.isFinite(now)) throw new RangeError('now must be a finite time in milliseconds');
  const token = normaliseTotpCode(code);
  if (token === null) return null;
  // otpauth compares each candidate with crypto.timingSafeEqual.
  const delta = TOTP.validate({
    token,
    secret: toOtpSecret(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp: now,
    window,
  });
  return delta === null ? null : totpStepAt(now) + delta;
}

/**
 * True when a matched step must be refused because this user already used it or a later one. Steps must
 * strictly increase, which also refuses an older code still inside the drift window after a newer one.
 */
export function isReplay(step: number, lastUsedStep: number | null): boolean {
  return lastUsedStep !== null && step <= lastUsedStep;
}

/** Six ASCII digits once spaces are removed (people type "123 456"), else null. */
function normaliseTotpCode(code: string): string | null {
  if (code.length > MAX_CODE_INPUT_LENGTH) return null;
  const compact = code.replace(/\s+/g, '');
  return /^[0-9]{6}$/.test(compact) ? compact : null;
}

function toOtpSecret(secret: Uint8Array): Secret {
  // Copy so the library sees exactly these bytes, not the rest of a shared ArrayBuffer.
  return new Secret({ buffer: new Uint8Array(secret).buffer });
}

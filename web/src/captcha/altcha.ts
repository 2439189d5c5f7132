// Ward's self-hosted captcha: a proof of work the browser solves with WebCrypto, no third party involved.
// The solver is altcha-lib's own (the library the server verifies with), so the two cannot drift apart;
// only its WebCrypto key derivation is bundled, and no widget, worker or stylesheet comes with it.
import { solveChallenge } from 'altcha-lib';
import type { Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/pbkdf2';

/** Gives up on one challenge after this long; the server's challenges expire well after it. */
const SOLVE_TIMEOUT_MS = 60_000;

function isChallenge(value: Record<string, unknown>): value is Record<string, unknown> & Challenge {
  const parameters = value.parameters;
  return (
    typeof parameters === 'object' &&
    parameters !== null &&
    typeof value.signature === 'string' &&
    typeof (parameters as Record<string, unknown>).keyPrefix === 'string'
  );
}

function base64OfJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Solves a challenge from GET /api/auth/captcha/challenge and returns what the sign-in request sends as
 * `captcha`: base64 of `{challenge: {parameters, signature}, solution: {counter, derivedKey, time}}`.
 * Resolves to null when aborted or when the work takes too long.
 */
export async function solveAltchaChallenge(
  challenge: Record<string, unknown>,
  controller: AbortController,
): Promise<string | null> {
  if (!isChallenge(challenge)) throw new Error('The server sent a captcha challenge in an unknown form');
  const solution = await solveChallenge({ challenge, controller, deriveKey, timeout: SOLVE_TIMEOUT_MS });
  if (solution === null) return null;
  return base64OfJson({
    challenge: { parameters: challenge.parameters, signature: challenge.signature },
    solution,
  });
}

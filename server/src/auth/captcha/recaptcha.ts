import { CaptchaUnavailableError } from './errors.ts';
import type { CaptchaVerdict, RecaptchaSettings } from './types.ts';

export const RECAPTCHA_DEFAULT_TIMEOUT_MS = 5000;

// Real tokens are a few hundred characters; anything far longer is not worth a round trip.
const MAX_TOKEN_LENGTH = 8192;

// Google's answers that mean Ward's own request is wrong, not the visitor's token: a sign-in must
// not fail as "wrong captcha" for every user when the operator has mistyped the secret key.
const CONFIGURATION_ERROR_CODES = new Set(['missing-input-secret', 'invalid-input-secret', 'bad-request']);

export type RecaptchaVerifier = (token: string | undefined, remoteIp: string) => Promise<CaptchaVerdict>;

/** Checks reCAPTCHA v2 tokens against `siteverify` (or the configured stand-in), failing closed. */
export function createRecaptchaVerifier(
  settings: RecaptchaSettings,
  fetchImpl: typeof fetch,
): RecaptchaVerifier {
  const { secretKey, validatorUrl } = settings;
  const timeoutMs = settings.timeoutMs ?? RECAPTCHA_DEFAULT_TIMEOUT_MS;

  return async (token, remoteIp) => {
    if (token === undefined || token.trim() === '') return { ok: false, reason: 'missing' };
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };

    const form = new URLSearchParams({ secret: secretKey, response: token });
    if (remoteIp !== '') form.set('remoteip', remoteIp);

    let status: number;
    let body: string;
    try {
      // The timeout signal also covers reading the body, so a verifier that trickles bytes is cut off
      // too. Redirects are refused: a 307 would resend the secret key to wherever it points.
      const response = await fetchImpl(validatorUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      status = response.status;
      body = await response.text();
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new CaptchaUnavailableError(`reCAPTCHA verifier did not answer within ${timeoutMs} ms`);
      }
      throw new CaptchaUnavailableError('reCAPTCHA verifier could not be reached', { cause: error });
    }

    if (status < 200 || status > 299) {
      throw new CaptchaUnavailableError(`reCAPTCHA verifier answered HTTP ${status}`);
    }
    const answer = parseAnswer(body);
    if (answer === undefined) {
      throw new CaptchaUnavailableError('reCAPTCHA verifier answered something other than its JSON verdict');
    }
    if (answer.success) return { ok: true };

    const configurationErrors = answer.errorCodes.filter((code) => CONFIGURATION_ERROR_CODES.has(code));
    if (configurationErrors.length > 0) {
      throw new CaptchaUnavailableError(
        `reCAPTCHA verifier refused Ward's request (${configurationErrors.join(', ')}); check google.recaptcha.secret.key`,
      );
    }
    return { ok: false, reason: 'invalid' };
  };
}

function parseAnswer(body: string): { success: boolean; errorCodes: string[] } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { success, 'error-codes': errorCodes } = parsed as { success?: unknown; 'error-codes'?: unknown };
  if (typeof success !== 'boolean') return undefined;
  const codes = Array.isArray(errorCodes)
    ? errorCodes.filter((code): code is string => typeof code === 'string')
    : [];
  return { success, errorCodes: codes };
}

import { createAltchaVerifier, type AltchaVerifier } from './altcha.ts';
import { createRecaptchaVerifier, type RecaptchaVerifier } from './recaptcha.ts';
import type { CaptchaDependencies, CaptchaPublicInfo, CaptchaService, CaptchaSettings } from './types.ts';

/** With `when: 'after-failures'`, the captcha is asked for from this many recent failures on. */
export const CAPTCHA_AFTER_FAILURES = 3;

/**
 * The captcha rules for sign-in, resolved once from settings. Throws at start when the chosen
 * provider's settings are missing or unusable, rather than letting sign-ins fail later.
 */
export function createCaptchaService(
  settings: CaptchaSettings,
  deps: CaptchaDependencies = {},
): CaptchaService {
  const { provider, when } = settings;
  const now = deps.now ?? Date.now;

  const isRequired = (recentFailures: number): boolean => {
    if (provider === 'none') return false;
    return when === 'always' || recentFailures >= CAPTCHA_AFTER_FAILURES;
  };
  const noChallenge = (): Promise<never> =>
    Promise.reject(new Error(`The ${provider} captcha provider issues no challenges`));

  switch (provider) {
    case 'none': {
      const info: CaptchaPublicInfo = Object.freeze({ provider, when });
      return {
        provider,
        isRequired,
        publicInfo: () => info,
        challenge: noChallenge,
        verify: () => Promise.resolve({ ok: true }),
      };
    }
    case 'recaptcha': {
      const recaptcha = settings.recaptcha;
      if (recaptcha === undefined) throw new Error('captcha.provider=recaptcha needs the reCAPTCHA settings');
      checkRecaptchaSettings(recaptcha);
      const verify: RecaptchaVerifier = createRecaptchaVerifier(recaptcha, deps.fetch ?? fetch);
      const info: CaptchaPublicInfo = Object.freeze({ provider, siteKey: recaptcha.siteKey, when });
      return { provider, isRequired, publicInfo: () => info, challenge: noChallenge, verify };
    }
    case 'altcha': {
      if (settings.altcha === undefined) throw new Error('captcha.provider=altcha needs the ALTCHA settings');
      if (deps.usedChallenges === undefined) {
        throw new Error('captcha.provider=altcha needs the store of redeemed challenges');
      }
      const altcha: AltchaVerifier = createAltchaVerifier(settings.altcha, deps.usedChallenges, now);
      const info: CaptchaPublicInfo = Object.freeze({ provider, when });
      return {
        provider,
        isRequired,
        publicInfo: () => info,
        challenge: () => altcha.challenge(),
        // ALTCHA is checked here and in the shared store of redeemed challenges; the address plays no part.
        verify: (token) => altcha.verify(token),
      };
    }
  }
}

function checkRecaptchaSettings(settings: NonNullable<CaptchaSettings['recaptcha']>): void {
  if (settings.siteKey.trim() === '') throw new Error('The reCAPTCHA site key is empty');
  if (settings.secretKey.trim() === '') throw new Error('The reCAPTCHA secret key is empty');
  let url: URL;
  try {
    url = new URL(settings.validatorUrl);
  } catch {
    throw new Error('The reCAPTCHA validator URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('The reCAPTCHA validator URL must use https (or http for a local stand-in)');
  }
  const timeoutMs = settings.timeoutMs;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
    throw new Error('The reCAPTCHA timeout must be a positive number of milliseconds');
  }
}

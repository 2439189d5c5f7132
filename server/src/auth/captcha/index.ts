// Ward's sign-in captcha: Google reCAPTCHA v2, or a self-hosted ALTCHA proof of work, or none.
export { CAPTCHA_AFTER_FAILURES, createCaptchaService } from './service.ts';
export { CaptchaUnavailableError } from './errors.ts';
export { RECAPTCHA_DEFAULT_TIMEOUT_MS } from './recaptcha.ts';
// The Redis store is imported where it is chosen, so that a node without Redis never loads its client.
export { PostgresUsedChallenges } from './postgres-used-challenges.ts';
export {
  ALTCHA_DEFAULT_EXPIRES_IN_SECONDS,
  ALTCHA_DEFAULT_MAX_NUMBER,
  ALTCHA_MIN_HMAC_KEY_LENGTH,
} from './altcha.ts';
export type {
  AltchaSettings,
  CaptchaDependencies,
  CaptchaProvider,
  CaptchaPublicInfo,
  CaptchaService,
  CaptchaSettings,
  CaptchaVerdict,
  CaptchaWhen,
  RecaptchaSettings,
} from './types.ts';
export type { UsedChallenges } from './used-challenges.ts';

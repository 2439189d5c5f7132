// Ward's sign-in captcha: Google reCAPTCHA v2, or a self-hosted ALTCHA proof of work, or none.
export { CAPTCHA_AFTER_FAILURES, createCaptchaService } from './service.ts';
export { CaptchaUnavailableError } from './errors.ts';
export { RECAPTCHA_DEFAULT_TIMEOUT_MS } from './recaptcha.ts';
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

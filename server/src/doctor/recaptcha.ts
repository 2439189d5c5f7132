import type { WardConfig } from '../config/types.ts';
import { configCheck, fail, pass, warn, type Check, type CheckResult } from './check.ts';
import { CHECKLIST } from './checklist.ts';

// Google serves the verification API on both hosts.
const GOOGLE_VERIFIER_HOSTS = new Set(['www.google.com', 'www.recaptcha.net']);

export function judgeRecaptcha(config: WardConfig): CheckResult {
  const { recaptcha } = config;
  if (!recaptcha.enabled || recaptcha.siteKey === undefined || recaptcha.secretKey === undefined) {
    const detail = 'reCAPTCHA is off: nothing slows down automated password guessing at sign-in';
    const fix =
      'set google.recaptcha.enable=true, google.recaptcha.site.key and google.recaptcha.secret.key (from the Google reCAPTCHA administration console)';
    return config.mode === 'production' ? fail(detail, fix) : warn(detail, fix);
  }
  const verifier = new URL(recaptcha.validatorUrl);
  if (config.mode === 'production' && !GOOGLE_VERIFIER_HOSTS.has(verifier.hostname)) {
    return warn(
      `reCAPTCHA answers are verified at ${verifier.origin}, not at Google`,
      'remove google.recaptcha.validator.url unless that verifier is meant to decide who may try a password',
    );
  }
  return pass('reCAPTCHA is on, with site and secret keys set');
}

export const recaptchaCheck: Check = configCheck('recaptcha', CHECKLIST.recaptcha, judgeRecaptcha);

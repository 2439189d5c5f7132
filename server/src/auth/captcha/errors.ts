/**
 * The captcha could not be checked: the verifier is down, slow, misconfigured or answered nonsense.
 * Sign-in must then fail closed; the message is for the operator's log and never holds a secret.
 */
export class CaptchaUnavailableError extends Error {
  /** Stable code for the API's error answer. */
  readonly code = 'captcha_unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaptchaUnavailableError';
  }
}

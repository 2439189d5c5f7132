import type { UsedChallenges } from './used-challenges.ts';

export type CaptchaProvider = 'recaptcha' | 'altcha' | 'none';

/** Ask for a captcha on every sign-in, or only once an account or address has failed a few times. */
export type CaptchaWhen = 'always' | 'after-failures';

export interface RecaptchaSettings {
  readonly siteKey: string;
  readonly secretKey: string;
  /** Google's `siteverify` endpoint, or a stand-in for it (`google.recaptcha.validator.url`). */
  readonly validatorUrl: string;
  /** How long to wait for the verifier before failing closed; 5000 ms unless set. */
  readonly timeoutMs?: number;
}

export interface AltchaSettings {
  /** Signs challenges; the same on every node, so any node can check a challenge another issued. */
  readonly hmacKey: string;
  /** Upper bound of the secret counter the browser searches for: the work asked of each sign-in. */
  readonly maxNumber?: number;
  /** How long an issued challenge stays usable; 600 s unless set. */
  readonly expiresInSeconds?: number;
}

export interface CaptchaSettings {
  readonly provider: CaptchaProvider;
  readonly when: CaptchaWhen;
  readonly recaptcha?: RecaptchaSettings;
  readonly altcha?: AltchaSettings;
}

export type CaptchaVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

/** What the sign-in page needs to show the captcha; never holds a secret. */
export interface CaptchaPublicInfo {
  readonly provider: CaptchaProvider;
  readonly siteKey?: string;
  readonly when: CaptchaWhen;
}

export interface CaptchaService {
  readonly provider: CaptchaProvider;
  /** Whether a captcha must accompany this attempt, given recent failures for the account or IP. */
  isRequired(recentFailures: number): boolean;
  /** What the sign-in page needs: the provider and, for reCAPTCHA, the site key. ALTCHA pages fetch `challenge()`. */
  publicInfo(): CaptchaPublicInfo;
  /** ALTCHA only: a new signed challenge for the browser widget (a JSON object). */
  challenge(): Promise<unknown>;
  /**
   * Checks the token (reCAPTCHA) or base64 payload (ALTCHA) the browser sent. Throws
   * CaptchaUnavailableError when the verifier cannot be reached or answers garbage, or (ALTCHA) when
   * the store of redeemed challenges cannot be reached, so that the caller refuses the sign-in
   * rather than skipping the captcha.
   */
  verify(token: string | undefined, remoteIp: string): Promise<CaptchaVerdict>;
}

export interface CaptchaDependencies {
  readonly fetch?: typeof fetch;
  /** ALTCHA only, and required with it: the challenges already redeemed, shared by every node. */
  readonly usedChallenges?: UsedChallenges;
  /** Milliseconds since the epoch; replaced in tests to move past a challenge's expiry. */
  readonly now?: () => number;
}

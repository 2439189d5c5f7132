// The shapes of Ward's API answers that the web app reads, as the server's route schemas declare them.

/** What a signed-in session may do: everything, or only the step that is owed first. */
export type SessionState = 'active' | 'password_change_required' | 'second_factor_enrolment_required';

export type CaptchaProvider = 'recaptcha' | 'altcha' | 'none';

/** How the sign-in page must prove a human is there; never holds a secret. */
export interface CaptchaInfo {
  provider: CaptchaProvider;
  /** reCAPTCHA only: the site key the widget is rendered with. */
  siteKey?: string;
  /** On every sign-in, or only once an account or address has failed a few times. */
  when: 'always' | 'after-failures';
}

/** What the sign-in page needs to know before anyone is signed in. */
export interface PublicConfig {
  /** `development` or `production`. */
  mode: string;
  twoFactorAvailable: boolean;
  captcha: CaptchaInfo;
}

export interface LoginRequest {
  username: string;
  password: string;
  /** reCAPTCHA token or ALTCHA payload, when the captcha is asked for. */
  captcha?: string;
}

/** Something the user must be told once after signing in. */
export type SignInNotice = 'two_factor_reset';

/** A session was started (by the password alone, or after the second factor). */
export interface LoginResult {
  state: SessionState;
  expiresAt: string;
  notices?: SignInNotice[];
}

/** The password was right and the account has two-factor on: the code is asked next. */
export interface SecondFactorDemand {
  secondFactor: { challenge: string; expiresAt: string };
}

/** The sign-in's second step: a code from the authenticator app, or one of the recovery codes. */
export type SecondFactorAnswer = { code: string } | { recoveryCode: string };

export interface TwoFactorStatus {
  /** Offered to this user: the deployment has it on and one of their institutions allows it. */
  available: boolean;
  enabled: boolean;
  /** The user's security level demands it. */
  required: boolean;
  recoveryCodesLeft: number;
}

/** A new secret, waiting for a code to prove the app holds it. */
export interface TwoFactorEnrolment {
  otpauthUri: string;
  /** Base32, grouped by four for reading and typing. */
  secret: string;
  /** The otpauth URI as a QR code, an SVG document. */
  qrSvg: string;
}

/** The successful sign-in before the current one, and the failures on the account since. */
export interface LastAccess {
  at: string;
  ip: string;
  userAgent: string;
  failedSince: number;
}

export interface Membership {
  institutionId: string;
  institutionName: string;
  roles: string[];
  securityLevel: string;
}

export interface PasswordRequirements {
  minLength: number;
  maxLength: number;
  /** Lowercase, uppercase, digit and symbol all required. */
  composition: boolean;
  /** How many recent passwords may not be chosen again. */
  historyCount: number;
  /** Days a password lasts; 0 when it does not expire. */
  maxAgeDays: number;
}

export interface Me {
  user: { id: string; username: string; displayName: string; isSystemAdmin: boolean };
  sessionState: SessionState;
  memberships: Membership[];
  /** null on the first sign-in of the account. */
  lastAccess: LastAccess | null;
  failedSinceLastAccess: number;
  /** When the user's access hours end, if within a day; null when they do not end that soon. */
  accessEndsAt: string | null;
  passwordRequirements: PasswordRequirements;
}

export interface SignInRecord {
  at: string;
  ip: string;
  userAgent: string;
  /** success, wrong_password, unknown_user, disabled, throttled, captcha_failed, ip_throttled, or newer. */
  outcome: string;
}

export interface SessionInfo {
  id: string;
  /** The session this browser is using. */
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
}

/** One reason a new password was refused; `min`, `max` and `word` come with some codes. */
export interface PasswordReason {
  code: string;
  message: string;
  min?: number;
  max?: number;
  word?: string;
}

export interface PasswordCheck {
  acceptable: boolean;
  reasons: PasswordReason[];
}

// The one place the web app talks HTTP to Ward. Pages receive an ApiClient and never call fetch themselves,
// so credentials, headers and error handling are decided once.
import type {
  CaptchaInfo,
  LoginRequest,
  LoginResult,
  Me,
  PasswordCheck,
  PasswordReason,
  PublicConfig,
  SecondFactorAnswer,
  SecondFactorDemand,
  SessionInfo,
  SignInRecord,
  TwoFactorEnrolment,
  TwoFactorStatus,
} from './types.ts';

/** An HTTP call that did not succeed: the server's `{error: {code, message}}`, or a local failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The server's `error.details`: structured detail such as why a password was refused. */
  readonly details: unknown;
  /** How long the server asked the client to wait, from `details` or the Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    /** HTTP status; 0 when no response arrived at all. */
    readonly status: number,
    /** Stable machine-readable code from the server, or `network_error` / `invalid_response`. */
    readonly code: string,
    message: string,
    extra: { details?: unknown; retryAfterSeconds?: number | undefined } = {},
  ) {
    super(message);
    this.details = extra.details;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

/**
 * Answers that mean the session is gone, or may only do one thing until the user does it.
 * `outside_access_hours` may mean either that the user's access hours ended (the server closed the
 * session) or only that one institution's hours refuse the request: the session asks /api/me which.
 */
export type SessionProblem =
  | 'unauthenticated'
  | 'password_change_required'
  | 'second_factor_enrolment_required'
  | 'outside_access_hours';

export interface ApiClient {
  getPublicConfig(): Promise<PublicConfig>;
  /** A session, or the demand for a second factor when the account has two-factor on. */
  login(request: LoginRequest): Promise<LoginResult | SecondFactorDemand>;
  /** The sign-in's second step, answering the challenge the password step returned. */
  answerSecondFactor(challenge: string, answer: SecondFactorAnswer): Promise<LoginResult>;
  logout(): Promise<void>;
  /** A fresh ALTCHA challenge for the sign-in page to solve (a JSON object, passed through as is). */
  getCaptchaChallenge(): Promise<Record<string, unknown>>;
  /** Sets a password through a one-time link's token. */
  resetPassword(token: string, newPassword: string): Promise<void>;

  getMe(): Promise<Me>;
  getSignInHistory(): Promise<SignInRecord[]>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  checkPassword(newPassword: string, signal?: AbortSignal): Promise<PasswordCheck>;
  listSessions(): Promise<SessionInfo[]>;
  revokeSession(id: string): Promise<void>;
  /** Signs out every session of the user but this one; answers how many ended. */
  revokeOtherSessions(): Promise<number>;

  getTwoFactorStatus(): Promise<TwoFactorStatus>;
  /** Checks the password again and starts an enrolment: a new secret, shown as QR code and text. */
  beginTwoFactorEnrolment(password: string): Promise<TwoFactorEnrolment>;
  /** Turns two-factor on once a code from the app matches; answers the recovery codes, shown once. */
  confirmTwoFactorEnrolment(code: string): Promise<string[]>;
  disableTwoFactor(password: string, code: string): Promise<void>;

  /**
   * Calls `listener` whenever an answer to a signed-in request says the session has ended or is
   * restricted, wherever in the app the request was made. Returns the function that unsubscribes.
   */
  onSessionProblem(listener: (problem: SessionProblem) => void): () => void;

  /**
   * A signed-in JSON request for a feature's own typed client (patients, records, audit), with the
   * same credentials, errors and session handling as every method above.
   */
  call(method: HttpMethod, path: string, options?: CallOptions): Promise<Record<string, unknown>>;

  /**
   * A signed-in GET of a file (an export), read whole with progress reports. A refusal arrives as the
   * same ApiError as any other call, before any of the file does.
   */
  download(path: string, options?: DownloadOptions): Promise<DownloadedFile>;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive, with how many have arrived so far. */
  onProgress?: (receivedBytes: number) => void;
}

export interface DownloadedFile {
  blob: Blob;
  /** The name the server suggested in Content-Disposition, if any. */
  filename: string | undefined;
}

/** The filename of a Content-Disposition header such as `attachment; filename="patients.csv"`. */
export function filenameOfDisposition(header: string | null): string | undefined {
  const match = /filename="?([^";]+)"?/i.exec(header ?? '');
  return match?.[1];
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions {
  body?: unknown;
  /** Extra request headers, such as If-Match. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  /** Prefix of every path; empty for the same origin that served the app. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** The language the user reads the app in, sent so the server can answer in it. */
  language?: () => string;
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) return undefined;
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** Seconds from a Retry-After header, which may be a number of seconds or an HTTP date. */
function retryAfterHeader(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function errorFromResponse(response: Response, body: unknown): ApiError {
  const error = isJsonObject(body) ? body.error : undefined;
  const retryAfterSeconds = retryAfterHeader(response);
  if (isJsonObject(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    const details = error.details;
    const detailed =
      isJsonObject(details) && typeof details.retryAfterSeconds === 'number'
        ? details.retryAfterSeconds
        : undefined;
    return new ApiError(response.status, error.code, error.message, {
      details,
      retryAfterSeconds: detailed ?? retryAfterSeconds,
    });
  }
  return new ApiError(response.status, 'http_error', response.statusText || `HTTP ${response.status}`, {
    retryAfterSeconds,
  });
}

function isSessionProblem(code: string): code is SessionProblem {
  return (
    code === 'unauthenticated' ||
    code === 'password_change_required' ||
    code === 'second_factor_enrolment_required' ||
    code === 'outside_access_hours'
  );
}

/** The reasons a `password_rejected` error carries, or none. */
export function passwordReasonsOf(error: unknown): PasswordReason[] {
  if (!(error instanceof ApiError) || error.code !== 'password_rejected') return [];
  const details = error.details;
  if (!isJsonObject(details) || !Array.isArray(details.reasons)) return [];
  return details.reasons.filter(
    (reason): reason is PasswordReason =>
      isJsonObject(reason) && typeof reason.code === 'string' && typeof reason.message === 'string',
  );
}

/** Whether an error says the sign-in needs a (new) captcha answer. */
export function isCaptchaDemand(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.code === 'captcha_required' || error.code === 'captcha_invalid');
}

/** The captcha a `captcha_required` or `captcha_invalid` error describes, when it describes one. */
export function captchaDemandedBy(error: unknown): CaptchaInfo | undefined {
  if (!isCaptchaDemand(error) || !isJsonObject(error.details) || !isJsonObject(error.details.captcha)) {
    return undefined;
  }
  return parseCaptcha(error.details.captcha);
}

function parseCaptcha(value: unknown): CaptchaInfo {
  // A server that predates captchas, or answers something unexpected, gets a page without one: the
  // server still decides, and answers captcha_required if it wants one after all.
  if (!isJsonObject(value)) return { provider: 'none', when: 'after-failures' };
  const provider =
    value.provider === 'recaptcha' || value.provider === 'altcha' ? value.provider : ('none' as const);
  const when = value.when === 'always' ? 'always' : 'after-failures';
  return typeof value.siteKey === 'string' ? { provider, when, siteKey: value.siteKey } : { provider, when };
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const listeners = new Set<(problem: SessionProblem) => void>();

  async function request(
    method: HttpMethod,
    path: string,
    init: {
      body?: unknown;
      signedIn?: boolean;
      signal?: AbortSignal | undefined;
      headers?: Record<string, string> | undefined;
    } = {},
  ): Promise<JsonObject> {
    const headers: Record<string, string> = { ...init.headers, Accept: 'application/json' };
    if (options.language) headers['Accept-Language'] = options.language();
    // Same origin only: the session cookie is SameSite=Strict and the server checks Origin and
    // Sec-Fetch-Site on every unsafe request, which the browser sets itself.
    const requestInit: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (init.signal) requestInit.signal = init.signal;
    if (init.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      requestInit.body = JSON.stringify(init.body);
    }

    let response: Response;
    try {
      response = await send(baseUrl + path, requestInit);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
    }

    const json = await readJson(response);
    if (!response.ok) {
      const error = errorFromResponse(response, json);
      if (init.signedIn === true && isSessionProblem(error.code)) {
        for (const listener of [...listeners]) listener(error.code);
      }
      throw error;
    }
    if (!isJsonObject(json)) {
      throw new ApiError(response.status, 'invalid_response', `Expected a JSON object from ${path}`);
    }
    return json;
  }

  // Answers are trusted to match the shapes in types.ts: the server validates its own responses
  // against the same schemas before sending them.
  const signedIn = { signedIn: true };

  return {
    async getPublicConfig(): Promise<PublicConfig> {
      const config = await request('GET', '/api/config/public');
      if (typeof config.mode !== 'string') {
        throw new ApiError(200, 'invalid_response', 'The public configuration has no mode');
      }
      return {
        mode: config.mode,
        twoFactorAvailable: config.twoFactorAvailable === true,
        captcha: parseCaptcha(config.captcha),
      };
    },

    async login(credentials: LoginRequest): Promise<LoginResult | SecondFactorDemand> {
      return (await request('POST', '/api/auth/login', { body: credentials })) as unknown as
        LoginResult | SecondFactorDemand;
    },

    async answerSecondFactor(challenge: string, answer: SecondFactorAnswer): Promise<LoginResult> {
      const body = { challenge, ...answer };
      return (await request('POST', '/api/auth/login/second-factor', { body })) as unknown as LoginResult;
    },

    async logout(): Promise<void> {
      // Not reported as a session problem: a session that had already ended is what the caller wanted.
      await request('POST', '/api/auth/logout');
    },

    async getCaptchaChallenge(): Promise<Record<string, unknown>> {
      return request('GET', '/api/auth/captcha/challenge');
    },

    async resetPassword(token: string, newPassword: string): Promise<void> {
      await request('POST', '/api/auth/password/reset', { body: { token, newPassword } });
    },

    async getMe(): Promise<Me> {
      return (await request('GET', '/api/me', signedIn)) as unknown as Me;
    },

    async getSignInHistory(): Promise<SignInRecord[]> {
      const { items } = await request('GET', '/api/me/sign-ins', signedIn);
      return items as SignInRecord[];
    },

    async changePassword(currentPassword: string, newPassword: string): Promise<void> {
      await request('POST', '/api/me/password', { ...signedIn, body: { currentPassword, newPassword } });
    },

    async checkPassword(newPassword: string, signal?: AbortSignal): Promise<PasswordCheck> {
      const body = { newPassword };
      return (await request('POST', '/api/me/password/check', {
        ...signedIn,
        body,
        signal,
      })) as unknown as PasswordCheck;
    },

    async listSessions(): Promise<SessionInfo[]> {
      const { items } = await request('GET', '/api/me/sessions', signedIn);
      return items as SessionInfo[];
    },

    async revokeSession(id: string): Promise<void> {
      await request('DELETE', `/api/me/sessions/${encodeURIComponent(id)}`, signedIn);
    },

    async revokeOtherSessions(): Promise<number> {
      const { revoked } = await request('POST', '/api/me/sessions/revoke-others', signedIn);
      return typeof revoked === 'number' ? revoked : 0;
    },

    async getTwoFactorStatus(): Promise<TwoFactorStatus> {
      return (await request('GET', '/api/me/2fa', signedIn)) as unknown as TwoFactorStatus;
    },

    async beginTwoFactorEnrolment(password: string): Promise<TwoFactorEnrolment> {
      const body = { password };
      return (await request('POST', '/api/me/2fa', { ...signedIn, body })) as unknown as TwoFactorEnrolment;
    },

    async confirmTwoFactorEnrolment(code: string): Promise<string[]> {
      const { recoveryCodes } = await request('POST', '/api/me/2fa/confirm', { ...signedIn, body: { code } });
      return recoveryCodes as string[];
    },

    async disableTwoFactor(password: string, code: string): Promise<void> {
      await request('DELETE', '/api/me/2fa', { ...signedIn, body: { password, code } });
    },

    onSessionProblem(listener: (problem: SessionProblem) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    async call(method: HttpMethod, path: string, options: CallOptions = {}): Promise<JsonObject> {
      return request(method, path, { ...signedIn, ...options });
    },

    async download(path: string, { signal, onProgress }: DownloadOptions = {}): Promise<DownloadedFile> {
      const headers: Record<string, string> = {};
      if (options.language) headers['Accept-Language'] = options.language();
      const init: RequestInit = { method: 'GET', headers, credentials: 'same-origin', cache: 'no-store' };
      if (signal) init.signal = signal;
      let response: Response;
      try {
        response = await send(baseUrl + path, init);
      } catch (cause) {
        if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
        throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
      }
      if (!response.ok) {
        const error = errorFromResponse(response, await readJson(response));
        if (isSessionProblem(error.code)) for (const listener of [...listeners]) listener(error.code);
        throw error;
      }
      const type = response.headers.get('content-type') ?? 'application/octet-stream';
      const filename = filenameOfDisposition(response.headers.get('content-disposition'));
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let received = 0;
      try {
        const reader = response.body?.getReader();
        for (let part = await reader?.read(); part !== undefined && !part.done; part = await reader?.read()) {
          chunks.push(part.value);
          received += part.value.byteLength;
          onProgress?.(received);
        }
      } catch (cause) {
        if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
        // The server stops a stream it cannot finish; half a file must not pass for a whole one.
        throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
      }
      return { blob: new Blob(chunks, { type }), filename };
    },
  };
}

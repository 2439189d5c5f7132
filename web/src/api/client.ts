// The one place the web app talks HTTP to Ward. Pages receive an ApiClient and never call fetch themselves,
// so credentials, headers and error handling are decided once.

/** An HTTP call that did not succeed: the server's `{error: {code, message}}`, or a local failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when no response arrived at all. */
    readonly status: number,
    /** Stable machine-readable code from the server, or `network_error` / `invalid_response`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the sign-in page needs to know before anyone is signed in. */
export interface PublicConfig {
  /** `development` or `production`. */
  mode: string;
  [key: string]: unknown;
}

export interface LoginCredentials {
  username: string;
  password: string;
}

/** Either a session was opened, or a second factor is required to finish signing in. */
export type LoginResult = { kind: 'signedIn' } | { kind: 'secondFactor'; challenge: string };

export interface ApiClient {
  getPublicConfig(): Promise<PublicConfig>;
  login(credentials: LoginCredentials): Promise<LoginResult>;
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

function errorFromResponse(response: Response, body: unknown): ApiError {
  const error = isJsonObject(body) ? body.error : undefined;
  if (isJsonObject(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(response.status, error.code, error.message);
  }
  return new ApiError(response.status, 'http_error', response.statusText || `HTTP ${response.status}`);
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonObject> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.language) headers['Accept-Language'] = options.language();
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response: Response;
    try {
      response = await send(baseUrl + path, init);
    } catch (cause) {
      throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
    }

    const json = await readJson(response);
    if (!response.ok) throw errorFromResponse(response, json);
    if (!isJsonObject(json)) {
      throw new ApiError(response.status, 'invalid_response', `Expected a JSON object from ${path}`);
    }
    return json;
  }

  return {
    async getPublicConfig(): Promise<PublicConfig> {
      const config = await request('GET', '/api/config/public');
      if (typeof config.mode !== 'string') {
        throw new ApiError(200, 'invalid_response', 'The public configuration has no mode');
      }
      return { ...config, mode: config.mode };
    },

    async login(credentials: LoginCredentials): Promise<LoginResult> {
      const result = await request('POST', '/api/auth/login', credentials);
      const secondFactor = result.secondFactor;
      if (isJsonObject(secondFactor) && typeof secondFactor.challenge === 'string') {
        return { kind: 'secondFactor', challenge: secondFactor.challenge };
      }
      return { kind: 'signedIn' };
    },
  };
}

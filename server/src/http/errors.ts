import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every error code Ward's API can answer with, and its HTTP status: the one list clients can rely
 * on. Codes are stable; messages are for people and may improve.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  second_factor_invalid: 401,
  second_factor_challenge_invalid: 401,
  captcha_required: 400,
  captcha_invalid: 400,
  password_rejected: 400,
  invalid_token: 400,
  password_change_required: 403,
  second_factor_enrolment_required: 403,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  version_conflict: 409,
  precondition_required: 428,
  justification_required: 403,
  outside_access_hours: 403,
  export_not_permitted: 403,
  reauthentication_required: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  database_unavailable: 503,
  shutting_down: 503,
  captcha_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error a route or service raises on purpose; the handler turns it into `{error: {code, message}}`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Structured detail a client can act on (e.g. why a password was rejected). Never a secret. */
  readonly details: unknown;
  constructor(
    code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; details?: unknown } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

// Connection-level failures from `pg` and PostgreSQL's own "cannot serve now" classes. Class 28
// (the runtime role may not log in, or its password no longer works) and 53300 (no connection
// slot left) only happen while connecting: the database is there but not usable by Ward right
// now, which the client should hear as 503, not as a bug of ours.
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  '28000',
  '28P01',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (DATABASE_DOWN_CODES.has(code) || code.startsWith('08'))) return true;
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

function classify(error: FastifyError | ApiError): { status: number; code: ErrorCode; message: string } {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      code: 'database_unavailable',
      message: 'The database is not reachable right now; try again shortly.',
    };
  }
  if (error.validation) return { status: 400, code: 'validation_failed', message: error.message };
  const status = error.statusCode ?? 500;
  if (status === 413) return { status, code: 'payload_too_large', message: 'The request body is too large.' };
  if (status === 415)
    return { status, code: 'unsupported_media_type', message: 'Send the body as application/json.' };
  if (status === 429) return { status, code: 'too_many_requests', message: error.message };
  if (status >= 400 && status < 500) return { status, code: 'bad_request', message: error.message };
  return {
    status: 500,
    code: 'internal_error',
    message: 'Something went wrong on the server; it has been logged.',
  };
}

/**
 * Fastify answers a few malformed requests (a URL that does not decode, an overlong parameter)
 * before any route or hook runs, in a format of its own. This gives them Ward's error body and the
 * headers every response carries; pass it as the `frameworkErrors` server option.
 */
export function answerFrameworkErrors(
  headers: Readonly<Record<string, string>>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const { status, code, message } = classify(error);
    request.log.info({ code, status }, 'request rejected');
    const body: ErrorBody = { error: { code, message } };
    void reply.headers(headers).status(status).send(body);
  };
}

/**
 * Node itself turns away requests it cannot read (headers over its size limit, a malformed request
 * line, headers that never finish arriving) before Fastify sees them, and Fastify's stock answer has a
 * body of its own. This answers them with Ward's error body and headers, then closes the
 * connection; pass it as the `clientErrorHandler` server option.
 */
export function answerClientErrors(
  headers: Readonly<Record<string, string>>,
): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message =
      status === 408
        ? 'The request did not arrive in time.'
        : status === 431
          ? 'The request headers are too large.'
          : 'The request is not valid HTTP.';
    const body: ErrorBody = { error: { code: 'bad_request', message } };
    const text = JSON.stringify(body);
    // The answer to HEAD has no body: a client would read one as the start of the next response.
    // (Node passes the bytes read so far as a Buffer, whatever Fastify's type says; none on a timeout.)
    const raw: unknown = (error as { rawPacket?: unknown }).rawPacket;
    const head = Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
    const lines = [
      `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? ''}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${String(Buffer.byteLength(text))}`,
      'connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    if (socket.writable) socket.write(`${lines.join('\r\n')}\r\n\r\n${head ? '' : text}`);
    socket.destroy();
  };
}

/** Installs the one error handler and the 404 handler. A 5xx never shows internals. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const { status, code, message } = classify(error);
    if (status >= 500) request.log.error({ err: error, code }, 'request failed');
    else request.log.info({ code, status }, 'request rejected');
    if (error instanceof ApiError) void reply.headers(error.headers);
    if (code === 'database_unavailable') void reply.header('retry-after', '5');
    const body: ErrorBody = { error: { code, message } };
    if (error instanceof ApiError && error.details !== undefined) body.error.details = error.details;
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        code: 'not_found',
        message: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
      },
    };
    return reply.status(404).send(body);
  });
}

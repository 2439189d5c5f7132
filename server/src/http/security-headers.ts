import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "manifest-src 'self'",
  "worker-src 'self'",
].join('; ');

export interface SecurityHeaderOptions {
  /** HSTS only over HTTPS in production: a development certificate must not pin a browser. */
  readonly hsts: boolean;
  /** Extra sources for script and frame (reCAPTCHA, when enabled). */
  readonly captchaOrigins?: readonly string[];
}

/**
 * The headers every response carries, computed once. `Cache-Control: no-store` is the default for
 * everything: API answers, errors and 404s hold data or say something about it, and deciding by
 * URL prefix would miss `/%61pi/...`, which the router also sends to the API. Only the web app's
 * own files replace it with a caching policy of their own.
 */
export function securityHeaders(options: SecurityHeaderOptions): Readonly<Record<string, string>> {
  const captcha = options.captchaOrigins ?? [];
  const csp =
    captcha.length === 0
      ? CONTENT_SECURITY_POLICY
      : CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' ${captcha.join(' ')}`).concat(
          `; frame-src ${captcha.join(' ')}`,
        );
  const headers: Record<string, string> = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'cache-control': 'no-store',
  };
  if (options.hsts) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/** Sets Ward's security headers on every response that reaches a route or the 404 handler. */
export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', async (_request, reply) => {
    void reply.headers(headers);
  });
}

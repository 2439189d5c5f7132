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
 * Sets Ward's security headers on every response, and `Cache-Control: no-store` on the API. The
 * header set is computed once here, so the per-request work is copying a constant object.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const captcha = options.captchaOrigins ?? [];
  const csp =
    captcha.length === 0
      ? CONTENT_SECURITY_POLICY
      : CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' ${captcha.join(' ')}`).concat(
          `; frame-src ${captcha.join(' ')}`,
        );
  const common: Record<string, string> = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
  if (options.hsts) common['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(common);
    if (request.url.startsWith('/api/') || request.url === '/api') {
      void reply.header('cache-control', 'no-store');
    }
  });
}

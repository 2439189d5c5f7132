import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWard, tempDir, type RunningWard } from '../../test/harness.ts';
import { createWebDist, type WebDistFixture } from '../web/test-web-dist.ts';
import { createTestCertificate, type TestCertificate } from './test-certificates.ts';
import { send, type SendOptions } from './test-client.ts';

interface Probe {
  readonly what: string;
  readonly path: string;
  readonly options?: SendOptions;
  readonly status: number;
  /** API answers, errors and 404s must never be stored by a browser or proxy. */
  readonly noStore: boolean;
}

function probes(web: WebDistFixture): Probe[] {
  const json = { 'content-type': 'application/json' };
  return [
    { what: 'API answer', path: '/api/config/public', status: 200, noStore: true },
    { what: 'liveness', path: '/healthz', status: 200, noStore: true },
    { what: 'web app page', path: '/', status: 200, noStore: false },
    { what: 'web app asset', path: web.asset.path, status: 200, noStore: false },
    { what: 'client-side route', path: '/patients/42', status: 200, noStore: false },
    { what: 'missing web app file', path: '/assets/missing-abc123.js', status: 404, noStore: true },
    { what: 'unknown API route', path: '/api/no-such-thing', status: 404, noStore: true },
    { what: 'API route needing a session', path: '/api/me', status: 401, noStore: true },
    {
      what: 'malformed JSON',
      path: '/api/auth/login',
      options: { method: 'POST', headers: json, body: '{"username":' },
      status: 400,
      noStore: true,
    },
    { what: 'URL that does not decode', path: '/%E0%A4%A', status: 400, noStore: true },
    { what: 'API reached through an encoded path', path: '/%61pi/config/public', status: 200, noStore: true },
  ];
}

function assertSecurityHeaders(headers: IncomingHttpHeaders, what: string): void {
  const csp = headers['content-security-policy'];
  assert.ok(typeof csp === 'string', `${what}: no Content-Security-Policy`);
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  assert.doesNotMatch(
    csp,
    /unsafe-inline|unsafe-eval|unsafe-hashes|\*/,
    `${what}: CSP is not strict: ${csp}`,
  );
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], `${what}: ${csp}`);
  assert.deepEqual(directives.get('default-src'), ["'self'"], `${what}: ${csp}`);
  assert.deepEqual(directives.get('script-src'), ["'self'"], `${what}: ${csp}`);
  assert.deepEqual(directives.get('object-src'), ["'none'"], `${what}: ${csp}`);
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.equal(headers['referrer-policy'], 'no-referrer', what);
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin', what);
}

describe('security headers in development over HTTP', () => {
  let dir: ReturnType<typeof tempDir>;
  let web: WebDistFixture;
  let ward: RunningWard;

  before(async () => {
    dir = tempDir('ward-headers-');
    web = createWebDist(dir.path);
    ward = await startWard({ start: { webDist: web.dist } });
  });
  after(async () => {
    await ward.stop();
    dir.remove();
  });

  test('every kind of response carries them, and none carries HSTS', async () => {
    assert.match(ward.url, /^http:\/\//);
    for (const probe of probes(web)) {
      const what = `${probe.what} (${probe.options?.method ?? 'GET'} ${probe.path})`;
      const answer = await send(`${ward.url}${probe.path}`, probe.options);
      assert.equal(answer.status, probe.status, `${what}: ${answer.text.slice(0, 200)}`);
      assertSecurityHeaders(answer.headers, what);
      assert.equal(answer.headers['strict-transport-security'], undefined, `${what}: HSTS over plain HTTP`);
      if (probe.noStore) assert.equal(answer.headers['cache-control'], 'no-store', what);
      else
        assert.notEqual(
          answer.headers['cache-control'],
          'no-store',
          `${what}: the web app should be cacheable`,
        );
    }
  });

  test('errors keep Ward’s error format, whatever part of the server answers', async () => {
    for (const probe of probes(web).filter((p) => p.status >= 400)) {
      const answer = await send(`${ward.url}${probe.path}`, probe.options);
      const body = answer.json as { error?: { code?: unknown; message?: unknown } } | undefined;
      assert.equal(typeof body?.error?.code, 'string', `${probe.what}: ${answer.text.slice(0, 200)}`);
      assert.equal(typeof body?.error?.message, 'string', probe.what);
    }
  });
});

describe('security headers in production over HTTPS', () => {
  let dir: ReturnType<typeof tempDir>;
  let web: WebDistFixture;
  let certificate: TestCertificate;
  let ward: RunningWard;

  before(async () => {
    dir = tempDir('ward-headers-prod-');
    web = createWebDist(dir.path);
    certificate = createTestCertificate(dir.path, 'server');
    ward = await startWard({
      properties: {
        'app.mode': 'production',
        'server.host': '127.0.0.1',
        'server.ssl.certificate': certificate.certificate,
        'server.ssl.key': certificate.key,
        'token.secret': randomBytes(48).toString('base64'),
        'auth.2fa.password': randomBytes(48).toString('base64'),
        'admin.password': 'copper lantern drifts quiet meadows',
      },
      start: { webDist: web.dist },
    });
  });
  after(async () => {
    await ward.stop();
    dir.remove();
  });

  test('every kind of response carries them, with HSTS for at least a year', async () => {
    assert.match(ward.url, /^https:\/\//);
    for (const probe of probes(web)) {
      const what = `${probe.what} (${probe.options?.method ?? 'GET'} ${probe.path})`;
      const answer = await send(`${ward.url}${probe.path}`, { ...probe.options, ca: [certificate.pem] });
      assert.equal(answer.status, probe.status, `${what}: ${answer.text.slice(0, 200)}`);
      assertSecurityHeaders(answer.headers, what);
      const hsts = answer.headers['strict-transport-security'] ?? '';
      const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
      assert.ok(maxAge >= 31_536_000, `${what}: HSTS "${hsts}"`);
      if (probe.noStore) assert.equal(answer.headers['cache-control'], 'no-store', what);
    }
  });
});

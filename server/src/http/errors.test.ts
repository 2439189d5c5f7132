import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from './test-app.ts';
import { ERROR_STATUS } from './errors.ts';

const SECRET_DETAIL = 'relation "ward.users" column password_hash 7f3a9c';

interface ErrorBody {
  error: { code: string; message: string };
}

function errorOf(payload: string): ErrorBody['error'] {
  const body = JSON.parse(payload) as Partial<ErrorBody>;
  assert.ok(body.error, `not Ward's error format: ${payload}`);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.code in ERROR_STATUS, `unknown error code ${body.error.code}`);
  return body.error;
}

describe('the one error handler', () => {
  let ward: TestApp;
  const logged: string[] = [];

  before(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    ward = await buildTestApp(
      (app) => {
        // Throwaway route: what any bug deep in a service looks like to the error handler.
        app.get('/api/test/broken', { config: { public: true } }, async () => {
          throw new Error(`query failed: ${SECRET_DETAIL}`);
        });
      },
      { logger: { level: 'error', stream: logStream } },
    );
  });
  after(async () => {
    await ward.close();
  });

  test('an unknown API route answers 404 not_found', async () => {
    const response = await ward.app.inject({ method: 'GET', url: '/api/no-such-thing' });
    assert.equal(response.statusCode, 404);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(errorOf(response.payload).code, 'not_found');
  });

  // Today the session check answers first, with 401, for anonymous requests to an unknown route;
  // the 404 handler should be exempt from it (`request.is404` in auth/sessions/http.ts).
  test('an unknown route answers 404 not_found whatever the method', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const response = await ward.app.inject({ method, url: '/api/no-such-thing' });
      assert.equal(response.statusCode, 404, `${method}: ${response.payload}`);
      assert.equal(errorOf(response.payload).code, 'not_found', method);
    }
  });

  test('a malformed JSON body answers 400, not 500', async () => {
    for (const payload of ['{"username": "admin", "password":', '', 'null garbage']) {
      const response = await ward.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      assert.equal(response.statusCode, 400, `${JSON.stringify(payload)}: ${response.payload}`);
      assert.equal(errorOf(response.payload).code, 'bad_request');
    }
  });

  test('a body that breaks the route’s schema answers 400 validation_failed', async () => {
    for (const body of [
      {},
      { username: 'a', password: 'b', isAdmin: true },
      { username: 42, password: 'b' },
    ]) {
      const response = await ward.app.inject({ method: 'POST', url: '/api/auth/login', payload: body });
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)}: ${response.payload}`);
      assert.equal(errorOf(response.payload).code, 'validation_failed');
    }
  });

  test('a body in another format answers 415, one too large answers 413', async () => {
    const form = await ward.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=admin&password=x',
    });
    assert.equal(form.statusCode, 415);
    assert.equal(errorOf(form.payload).code, 'unsupported_media_type');

    const huge = await ward.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(errorOf(huge.payload).code, 'payload_too_large');
  });

  test('an internal error answers 500 internal_error and reveals nothing of it', async () => {
    const response = await ward.app.inject({ method: 'GET', url: '/api/test/broken' });
    assert.equal(response.statusCode, 500);
    const error = errorOf(response.payload);
    assert.equal(error.code, 'internal_error');
    for (const leak of ['password_hash', 'ward.users', '7f3a9c', 'query failed', 'Error', '.ts', '    at ']) {
      assert.ok(!response.payload.includes(leak), `the 500 body shows "${leak}": ${response.payload}`);
    }
    // Nothing in the headers either, and the usual protections are there.
    assert.ok(!JSON.stringify(response.headers).includes('7f3a9c'));
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
    // The operator, though, gets the whole story in the log.
    const entries = logged.map((line) => JSON.parse(line) as { err?: { message?: string; stack?: string } });
    assert.ok(
      entries.some(
        (entry) => entry.err?.message?.includes(SECRET_DETAIL) && entry.err.stack?.includes('    at '),
      ),
      'the internal error was not logged with its stack',
    );
  });
});

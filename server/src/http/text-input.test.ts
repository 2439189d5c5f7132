import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from './test-app.ts';
import { holdsNul } from './text-input.ts';

describe('text with NUL, which PostgreSQL cannot store', () => {
  let ward: TestApp;
  let handled = 0;

  before(async () => {
    ward = await buildTestApp((app) => {
      // Throwaway route that accepts any text, as a route that forgot to say "no NUL" would.
      app.post('/api/test/echo', { config: { public: true } }, async (request) => {
        handled++;
        return { received: request.body };
      });
    });
  });
  after(async () => {
    await ward.close();
  });

  test('is refused with 400 validation_failed wherever it is in the request, before the route runs', async () => {
    const cases = [
      { url: '/api/test/echo', payload: { name: 'a\u0000b' } },
      { url: '/api/test/echo', payload: { nested: [{ deeper: ['ok', '\u0000'] }] } },
      { url: '/api/test/echo', payload: { 'key\u0000': 'value' } },
      { url: '/api/test/echo?q=a%00b', payload: { name: 'fine' } },
    ];
    for (const { url, payload } of cases) {
      const response = await ward.app.inject({ method: 'POST', url, payload });
      assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${response.body}`);
      assert.equal(response.json<{ error: { code: string } }>().error.code, 'validation_failed');
    }
    assert.equal(handled, 0);
  });

  test('text without it passes through untouched', async () => {
    const response = await ward.app.inject({
      method: 'POST',
      url: '/api/test/echo?q=%C3%A9',
      payload: { name: "O'Brien \\u0000 é" },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { received: { name: "O'Brien \\u0000 é" } });
  });

  test('a sign-in with NUL in the username is a 400, not a database error', async () => {
    const response = await ward.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'a\u0000b', password: 'whatever it is' },
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'validation_failed');
  });
});

test('holdsNul walks deeply nested values without running out of stack', () => {
  let deep: unknown = 'end';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(holdsNul(deep), false);
  let poisoned: unknown = 'a\u0000';
  for (let i = 0; i < 200_000; i++) poisoned = { a: poisoned };
  assert.equal(holdsNul(poisoned), true);
});

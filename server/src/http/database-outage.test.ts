import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startWard } from '../../test/harness.ts';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

function signIn(url: string): Promise<Answer> {
  return call(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'nobody', password: 'not the password of anyone' }),
  });
}

function assertDatabaseUnavailable(answer: Answer, what: string): void {
  assert.equal(answer.status, 503, `${what}: ${JSON.stringify(answer.body)}`);
  const body = answer.body as { error?: { code?: string; message?: string } };
  assert.equal(body.error?.code, 'database_unavailable', what);
  assert.doesNotMatch(
    body.error.message ?? '',
    /role|ward_app|login|FATAL|terminat/i,
    `${what} leaks internals`,
  );
  assert.equal(answer.headers.get('retry-after'), '5', what);
}

test('losing the database while running gives 503 database_unavailable, and Ward recovers by itself', async () => {
  const ward = await startWard();
  // The run's superuser, on this test's own database; the shared server itself stays up.
  const admin = new pg.Client({ connectionString: ward.database.url });
  await admin.connect();
  const role = admin.escapeIdentifier(ward.database.runtimeRole);
  try {
    assert.equal((await call(`${ward.url}/readyz`)).status, 200);
    assert.equal((await signIn(ward.url)).status, 401, 'sign-in works before the outage');

    // Cut Ward off: every connection of its runtime role dropped, new ones refused.
    await admin.query(`ALTER ROLE ${role} NOLOGIN`);
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
      [ward.database.runtimeRole],
    );
    assert.ok((rowCount ?? 0) > 0, 'Ward held no database connection to cut');

    assertDatabaseUnavailable(await call(`${ward.url}/readyz`), '/readyz');
    assertDatabaseUnavailable(await signIn(ward.url), 'POST /api/auth/login');
    // Twice: a second request must not find a broken connection left in the pool either.
    assertDatabaseUnavailable(await signIn(ward.url), 'POST /api/auth/login again');
    assert.equal((await call(`${ward.url}/healthz`)).status, 200, 'the process itself stays alive');

    await admin.query(`ALTER ROLE ${role} LOGIN`);
    const deadline = Date.now() + 5_000;
    let ready = await call(`${ward.url}/readyz`);
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ready = await call(`${ward.url}/readyz`);
    }
    assert.equal(ready.status, 200, 'Ward did not become ready again within 5 s of the database returning');
    assert.equal((await signIn(ward.url)).status, 401, 'sign-in works again after the outage');
  } finally {
    await admin.query(`ALTER ROLE ${role} LOGIN`);
    await admin.end();
    await ward.stop();
  }
});

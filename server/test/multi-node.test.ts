// Several nodes: two real `ward start` processes on two ports sharing one PostgreSQL (and one
// Redis when configured) behave as one Ward to a user and to an attacker.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import pg from 'pg';
import {
  createTestDatabase,
  tempDir,
  wardProcessEnv,
  writeProperties,
  type TestDatabase,
} from './harness.ts';

const WARD_BIN = path.resolve(import.meta.dirname, '../../bin/ward.js');
const ADMIN_PASSWORD = 'correct horse battery staple for tests';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Node {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
}

function startNode(file: string, cwd: string): Promise<Node> {
  const child = spawn(process.execPath, [WARD_BIN, 'start', '--config', file], {
    cwd,
    env: wardProcessEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`node did not start within 180 s:\n${output}`));
    }, 180_000);
    child.stdout.on('data', () => {
      const match = /Ward listening on (\S+?)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child, output: () => output });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${String(code)} before listening:\n${output}`));
    });
  });
}

async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

async function call(
  node: Node,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node.url}${url}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function errorCodeOf(body: Record<string, unknown>): string | undefined {
  return (body.error as { code?: string } | undefined)?.code;
}

async function signIn(node: Node, username: string, password: string): Promise<string> {
  const response = await call(node, 'POST', '/api/auth/login', {
    username,
    password,
    tokenDelivery: 'bearer',
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.token as string;
}

for (const withRedis of [false, true]) {
  describe(`two nodes on one database${withRedis ? ' and one Redis' : ''}`, () => {
    let database: TestDatabase;
    let dir: { path: string; remove(): void };
    let a: Node;
    let b: Node;
    let owner: pg.Client;

    before(async () => {
      database = await createTestDatabase();
      dir = tempDir('ward-nodes-');
      // What must be identical on every node: the database, the signing and encryption keys.
      const shared = {
        'server.port': '0',
        'database.url': database.url,
        'database.runtime.role': database.runtimeRole,
        'admin.password': ADMIN_PASSWORD,
        'token.secret': randomBytes(48).toString('base64'),
        'auth.2fa.password': randomBytes(48).toString('base64'),
        'app.feature.HABILITAR_2FA': 'true',
        'log.level': 'info',
        ...(withRedis ? { 'redis.url': REDIS_URL } : {}),
      };
      const fileA = writeProperties(
        dir.path,
        { ...shared, 'data.dir': path.join(dir.path, 'a') },
        'a.properties',
      );
      const fileB = writeProperties(
        dir.path,
        { ...shared, 'data.dir': path.join(dir.path, 'b') },
        'b.properties',
      );
      // Both start at once on an empty database: they race to migrate.
      [a, b] = await Promise.all([startNode(fileA, dir.path), startNode(fileB, dir.path)]);
      owner = new pg.Client({ connectionString: database.url });
      await owner.connect();
    });

    after(async () => {
      await Promise.all([a, b].filter(Boolean).map(stopNode));
      await owner.end();
      await database.drop();
      dir.remove();
    });

    test('both nodes started together and each migration was applied exactly once', async () => {
      const { rows } = await owner.query<{ version: string; n: string }>(
        'SELECT version, count(*) AS n FROM ward.schema_migrations GROUP BY version',
      );
      assert.ok(rows.length >= 6);
      assert.ok(rows.every((r) => r.n === '1'));
      const admins = await owner.query("SELECT 1 FROM ward.users WHERE username = 'admin'");
      assert.equal(admins.rowCount, 1);
    });

    test('a session opened on A works on B, and a logout on B is refused on A at once', async () => {
      const token = await signIn(a, 'admin', ADMIN_PASSWORD);
      assert.equal((await call(b, 'GET', '/api/me', undefined, token)).status, 200);
      assert.equal((await call(b, 'POST', '/api/auth/logout', undefined, token)).status, 200);
      const started = Date.now();
      const onA = await call(a, 'GET', '/api/me', undefined, token);
      assert.equal(onA.status, 401);
      assert.ok(Date.now() - started < 1000);
    });

    test('failed sign-ins on A count toward the backoff on B', async () => {
      const username = `nodes.${randomBytes(4).toString('hex')}`;
      for (let i = 0; i < 5; i++) {
        const failed = await call(a, 'POST', '/api/auth/login', { username, password: `wrong guess ${i}` });
        assert.equal(errorCodeOf(failed.body), 'invalid_credentials');
      }
      if (withRedis) {
        // The counters live in Redis, not in the database.
        const counters = await owner.query('SELECT 1 FROM ward.throttle_counters WHERE key = $1', [
          `account:${username}`,
        ]);
        assert.equal(counters.rowCount, 0);
      } else {
        const counters = await owner.query<{ consecutive_failures: number }>(
          'SELECT consecutive_failures FROM ward.throttle_counters WHERE key = $1',
          [`account:${username}`],
        );
        assert.equal(counters.rows[0]?.consecutive_failures, 5);
      }
      // The account is now locked for strangers: B refuses even before looking at the password,
      // exactly as it would on A.
      const onB = await call(b, 'POST', '/api/auth/login', { username, password: 'another guess' });
      assert.equal(errorCodeOf(onB.body), 'invalid_credentials');
    });

    test('two-factor enrolled on A verifies on B', async () => {
      const token = await signIn(a, 'admin', ADMIN_PASSWORD);
      const status = await call(a, 'GET', '/api/me/2fa', undefined, token);
      assert.equal((status.body as { enabled?: boolean }).enabled, false);
      const enrolment = await call(a, 'POST', '/api/me/2fa', { password: ADMIN_PASSWORD }, token);
      assert.equal(enrolment.status, 200);
      const totp = OTPAuth.URI.parse(enrolment.body.otpauthUri as string) as OTPAuth.TOTP;
      const now = Date.now();
      const confirm = await call(
        a,
        'POST',
        '/api/me/2fa/confirm',
        { code: totp.generate({ timestamp: now }) },
        token,
      );
      assert.equal(confirm.status, 200);

      const first = await call(b, 'POST', '/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
      const challenge = (first.body.secondFactor as { challenge: string }).challenge;
      // The confirmation used this step's code; the next step's is accepted (window ±1).
      const code = totp.generate({ timestamp: now + 30_000 });
      const second = await call(b, 'POST', '/api/auth/login/second-factor', {
        challenge,
        code,
        tokenDelivery: 'bearer',
      });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      // And the same code on A is a replay, refused.
      const again = await call(a, 'POST', '/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
      const replay = await call(a, 'POST', '/api/auth/login/second-factor', {
        challenge: (again.body.secondFactor as { challenge: string }).challenge,
        code,
      });
      assert.equal(replay.status, 401);
      assert.equal((replay.body.error as { details?: { reason?: string } }).details?.reason, 'code_used');
    });
  });
}

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../../db/schema.ts';
import { createTestCertificate } from '../../http/test-certificates.ts';
import type { WardApp } from '../../http/types.ts';
import { startWard as startNode } from '../../main.ts';
import { configFrom, startWard, tempDir, type RunningWard } from '../../../test/harness.ts';
import {
  bearer,
  cookieValue,
  errorCode,
  login,
  SAME_ORIGIN,
  setCookieLine,
  signIn,
} from '../../../test/sign-in.ts';
import { createTestUser, ownerDb, type TestUser } from '../../../test/users.ts';
import { SessionService } from './service.ts';
import { issueSessionToken } from './token.ts';

// Sessions as an attacker meets them: tokens cannot be forged or altered, cookies cannot be
// ridden from another site, and every way a session ends takes effect at the next request. The
// server speaks HTTPS, as in production, so the cookie is `__Host-ward_session`; most requests
// are injected in process, a few go over real TLS.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let dir: ReturnType<typeof tempDir>;
let agent: https.Agent;

before(async () => {
  dir = tempDir('ward-sessions-');
  const certificate = createTestCertificate(dir.path, 'server');
  ward = await startWard({
    properties: { 'server.ssl.certificate': certificate.certificate, 'server.ssl.key': certificate.key },
  });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  agent = new https.Agent({ ca: certificate.pem, keepAlive: false });
});

after(async () => {
  agent.destroy();
  await db.destroy();
  await ward.stop();
  dir.remove();
});

const COOKIE = '__Host-ward_session';

interface HttpsAnswer {
  readonly status: number;
  readonly setCookie: string[];
  readonly body: string;
}

/** A real request over TLS to the running server. */
function overHttps(
  method: string,
  pathname: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpsAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      new URL(pathname, ward.url),
      {
        method,
        agent,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            setCookie: response.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** What `GET /api/me` answers with a bearer token: 200 while the session lives, 401 after. */
async function statusWithToken(token: string, on: WardApp = app): Promise<number> {
  return (await on.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode;
}

/** The sessions table keeps only the SHA-256 of the token's random part. */
function secretHashOf(token: string): Buffer {
  return createHash('sha256')
    .update(Buffer.from(token.split('.')[1] ?? '', 'base64url'))
    .digest();
}

async function revokedReason(token: string): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('ward.sessions')
    .select('revoked_reason')
    .where('secret_hash', '=', secretHashOf(token))
    .executeTakeFirst();
  return row?.revoked_reason;
}

async function sessionIdOf(token: string): Promise<string> {
  const row = await db
    .selectFrom('ward.sessions')
    .select('id')
    .where('secret_hash', '=', secretHashOf(token))
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Moves the clock forward for one session by moving all its timestamps back. */
async function ageSession(token: string, interval: string): Promise<void> {
  await sql`UPDATE ward.sessions
            SET created_at = created_at - ${interval}::interval,
                last_seen_at = last_seen_at - ${interval}::interval,
                expires_at = expires_at - ${interval}::interval
            WHERE secret_hash = ${secretHashOf(token)}`.execute(db);
}

/** As if the session's last request was `interval` ago. */
async function idleFor(token: string, interval: string): Promise<void> {
  await sql`UPDATE ward.sessions SET last_seen_at = now() - ${interval}::interval
            WHERE secret_hash = ${secretHashOf(token)}`.execute(db);
}

function newUser(): Promise<TestUser> {
  return createTestUser(db, { institution: true });
}

describe('session cookie', () => {
  test('is __Host- prefixed, Secure, HttpOnly, SameSite=Strict and Path=/; the token stays out of the body', async () => {
    const user = await newUser();
    const signedIn = await overHttps('POST', '/api/auth/login', {
      body: { username: user.username, password: user.password },
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(signedIn.status, 200, signedIn.body);
    assert.equal((JSON.parse(signedIn.body) as { token?: string }).token, undefined);
    const line = signedIn.setCookie.find((c) => c.startsWith(`${COOKIE}=`));
    assert.ok(line, `no __Host- session cookie in ${signedIn.setCookie.join(' | ')}`);
    const attributes = line.split(';').map((a) => a.trim().toLowerCase());
    for (const required of ['secure', 'httponly', 'samesite=strict', 'path=/']) {
      assert.ok(attributes.includes(required), `${required} missing from ${line}`);
    }
    assert.ok(!attributes.some((a) => a.startsWith('domain=')), '__Host- cookies carry no Domain');
    const device = signedIn.setCookie.find((c) => c.startsWith('ward_device=')) ?? '';
    assert.match(device.toLowerCase(), /; secure/, 'the device cookie is Secure too');

    const token = (line.split(';')[0] ?? '').slice(`${COOKIE}=`.length);
    assert.equal(
      (await overHttps('GET', '/api/me', { headers: { cookie: `${COOKIE}=${token}` } })).status,
      200,
    );
    // A cookie without the prefix, which a sibling subdomain or a plain-HTTP page could plant, is not
    // read at all.
    assert.equal(
      (await overHttps('GET', '/api/me', { headers: { cookie: `ward_session=${token}` } })).status,
      401,
    );
  });

  test('every sign-in gets a new session, never the one the client arrived with', async () => {
    const user = await newUser();
    const first = await signIn(app, { username: user.username, password: user.password });
    const second = await login(app, {
      username: user.username,
      password: user.password,
      cookies: { [COOKIE]: first.token },
    });
    const fresh = cookieValue(second, COOKIE);
    assert.ok(fresh);
    assert.notEqual(fresh, first.token);
  });
});

describe('cross-site requests (CSRF)', () => {
  const crossSite = {
    'sec-fetch-site: cross-site': { 'sec-fetch-site': 'cross-site' },
    'sec-fetch-site: same-site (a sibling subdomain)': { 'sec-fetch-site': 'same-site' },
    'a foreign Origin': { origin: 'https://evil.example' },
    'neither Sec-Fetch-Site nor Origin': {},
  };

  for (const [name, headers] of Object.entries(crossSite)) {
    test(`a cookie-authenticated POST with ${name} is refused and changes nothing`, async () => {
      const user = await newUser();
      const victim = await signIn(app, { username: user.username, password: user.password });
      const other = await signIn(app, { username: user.username, password: user.password });

      const attack = await app.inject({
        method: 'POST',
        url: '/api/me/sessions/revoke-others',
        headers,
        cookies: { [COOKIE]: victim.token },
      });
      assert.equal(attack.statusCode, 403);
      assert.equal(errorCode(attack), 'csrf_rejected');
      assert.equal(await statusWithToken(other.token), 200, 'the other session was not revoked');

      const logout = await app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers,
        cookies: { [COOKIE]: victim.token },
      });
      assert.equal(errorCode(logout), 'csrf_rejected');
      const remove = await app.inject({
        method: 'DELETE',
        url: `/api/me/sessions/${await sessionIdOf(other.token)}`,
        headers,
        cookies: { [COOKIE]: victim.token },
      });
      assert.equal(errorCode(remove), 'csrf_rejected');
      assert.equal(await statusWithToken(victim.token), 200);
      assert.equal(await statusWithToken(other.token), 200);
    });
  }

  test("the same POST from Ward's own page works (Sec-Fetch-Site, or Origin from older browsers)", async () => {
    const user = await newUser();
    const victim = await signIn(app, { username: user.username, password: user.password });
    const other = await signIn(app, { username: user.username, password: user.password });
    const response = await app.inject({
      method: 'POST',
      url: '/api/me/sessions/revoke-others',
      headers: SAME_ORIGIN,
      cookies: { [COOKIE]: victim.token },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { revoked: 1 });
    assert.equal(await statusWithToken(other.token), 401);

    const third = await signIn(app, { username: user.username, password: user.password });
    const byOrigin = await overHttps('POST', '/api/me/sessions/revoke-others', {
      headers: { origin: ward.url, cookie: `${COOKIE}=${victim.token}` },
    });
    assert.equal(byOrigin.status, 200, byOrigin.body);
    assert.equal(await statusWithToken(third.token), 401);
  });

  test('bearer-authenticated requests need neither header: no ambient credential to borrow', async () => {
    const user = await newUser();
    const client = await signIn(app, { username: user.username, password: user.password });
    const other = await signIn(app, { username: user.username, password: user.password });
    const response = await app.inject({
      method: 'POST',
      url: '/api/me/sessions/revoke-others',
      headers: bearer(client.token),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(await statusWithToken(other.token), 401);
  });

  test('a sign-in posted from another site is refused (no login CSRF)', async () => {
    const user = await newUser();
    const response = await login(app, {
      username: user.username,
      password: user.password,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(response.statusCode, 403);
    assert.equal(errorCode(response), 'csrf_rejected');
    assert.equal(response.headers['set-cookie'], undefined);
  });
});

describe('session tokens', () => {
  test('a token signed with another secret is refused, even when its session row exists', async () => {
    const user = await newUser();
    // An attacker who can write the sessions table but does not know token.secret.
    const forged = issueSessionToken('a key that is not token.secret');
    await db
      .insertInto('ward.sessions')
      .values({
        id: uuidv7(),
        secret_hash: forged.secretHash,
        user_id: user.id,
        state: 'active',
        idle_timeout_seconds: 1800,
        expires_at: new Date(Date.now() + 3_600_000),
        ip: '127.0.0.1',
        user_agent: 'forger',
      })
      .execute();
    const response = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(forged.token) });
    assert.equal(response.statusCode, 401);
    assert.equal(errorCode(response), 'unauthenticated');
  });

  test('a tampered token is refused, while the genuine one works', async () => {
    const user = await newUser();
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const [prefix, secret, mac] = token.split('.') as [string, string, string];
    const flip = (s: string, i: number): string =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const tampered = [
      `${prefix}.${flip(secret, 5)}.${mac}`,
      `${prefix}.${secret}.${flip(mac, 5)}`,
      `${prefix}.${secret}.${mac.slice(0, -2)}`,
      `ws2.${secret}.${mac}`,
      `${prefix}.${secret}`,
      `${token}.x`,
      '',
    ];
    for (const candidate of tampered) {
      assert.equal(await statusWithToken(candidate), 401, `accepted ${candidate}`);
      const viaCookie = await app.inject({ method: 'GET', url: '/api/me', cookies: { [COOKIE]: candidate } });
      assert.equal(viaCookie.statusCode, 401);
    }
    assert.equal(await statusWithToken(token), 200);
  });

  test('during a rotation, a node with the new secret accepts tokens signed with the previous one', async () => {
    const user = await newUser();
    const dir = tempDir();
    const previous = ward.config.token.secret ?? '';
    const node = await startNode(
      configFrom(dir.path, {
        'server.port': '0',
        'data.dir': path.join(dir.path, 'data'),
        'database.url': ward.database.url,
        'database.runtime.role': ward.database.runtimeRole,
        'token.secret': randomBytes(48).toString('base64'),
        'token.secret.previous': previous,
        // Nodes share every other secret.
        'auth.2fa.password': ward.config.twoFactor.key ?? '',
        'log.level': 'silent',
      }),
      { logger: false, announce: () => undefined },
    );
    try {
      const old = await signIn(app, { username: user.username, password: user.password });
      assert.equal(await statusWithToken(old.token, node.app), 200, 'the new node accepts the old signature');
      // The device cookie of the old key is honoured too, so the rotation does not log users out of
      // their known devices.
      const deviceSignIn = await login(node.app, {
        username: user.username,
        password: user.password,
        cookies: { ward_device: old.deviceToken },
      });
      assert.equal(deviceSignIn.statusCode, 200);

      const fresh = await signIn(node.app, { username: user.username, password: user.password });
      assert.equal(await statusWithToken(fresh.token, node.app), 200);
      assert.equal(await statusWithToken(fresh.token, app), 401, 'a node without the new key refuses it');
    } finally {
      await node.stop();
      dir.remove();
    }
  });

  test('only the one previous key is accepted, not any older one', async () => {
    const user = await newUser();
    const start = {
      userId: user.id,
      state: 'active' as const,
      idleTimeoutMinutes: 30,
      absoluteTimeoutMinutes: 60,
      ip: '127.0.0.1',
      userAgent: 'tests',
    };
    const keyA = randomBytes(32).toString('base64url');
    const keyB = randomBytes(32).toString('base64url');
    const keyC = randomBytes(32).toString('base64url');
    const signedWithA = await new SessionService(db, keyA).start(start);
    assert.ok(await new SessionService(db, keyB, keyA).authenticate(signedWithA.token));
    assert.equal(await new SessionService(db, keyC, keyB).authenticate(signedWithA.token), undefined);
    assert.equal(await new SessionService(db, keyB).authenticate(signedWithA.token), undefined);
  });
});

describe('expiry', () => {
  test('a session idle for longer than the idle timeout ends; one idle for less lives on', async () => {
    const user = await newUser();
    const { token } = await signIn(app, { username: user.username, password: user.password });
    await idleFor(token, '20 minutes');
    assert.equal(await statusWithToken(token), 200, 'within the 30-minute idle timeout');
    // Twenty more minutes: 40 since sign-in, but only 20 since the last request.
    await sql`UPDATE ward.sessions SET last_seen_at = last_seen_at - interval '20 minutes'
              WHERE secret_hash = ${secretHashOf(token)}`.execute(db);
    assert.equal(await statusWithToken(token), 200, 'the request before counted as activity');
    await idleFor(token, '31 minutes');
    assert.equal(await statusWithToken(token), 401);
    assert.equal(await revokedReason(token), 'idle');
    // Ended for good: no later activity brings it back.
    await idleFor(token, '0 minutes');
    assert.equal(await statusWithToken(token), 401);
  });

  test('a session ends at its absolute timeout however active it is', async () => {
    const user = await newUser();
    const { token } = await signIn(app, { username: user.username, password: user.password });
    await ageSession(token, '11 hours 59 minutes');
    await idleFor(token, '1 minute');
    assert.equal(await statusWithToken(token), 200);
    await ageSession(token, '2 minutes');
    await idleFor(token, '10 seconds');
    assert.equal(await statusWithToken(token), 401);
    assert.equal(await revokedReason(token), 'expired');
  });

  test('the idle timeout follows the security level (High: 15 minutes)', async () => {
    const user = await createTestUser(db, { institution: true, level: 'High' });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    await idleFor(token, '16 minutes');
    assert.equal(await statusWithToken(token), 401);
  });
});

describe('ending sessions', () => {
  test('logout ends this session at once, clears the cookie and leaves the others', async () => {
    const user = await newUser();
    const browser = await signIn(app, { username: user.username, password: user.password });
    const phone = await signIn(app, { username: user.username, password: user.password });
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: SAME_ORIGIN,
      cookies: { [COOKIE]: browser.token },
    });
    assert.equal(response.statusCode, 200);
    const cleared = setCookieLine(response, COOKIE) ?? '';
    assert.match(cleared, /^__Host-ward_session=;/);
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/);
    assert.equal(await statusWithToken(browser.token), 401);
    assert.equal(await revokedReason(browser.token), 'logout');
    assert.equal(await statusWithToken(phone.token), 200);

    const bearerLogout = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(phone.token),
    });
    assert.equal(bearerLogout.statusCode, 200);
    assert.equal(await statusWithToken(phone.token), 401);
  });

  test('the user sees their sessions and can end any one of them, but never another user’s', async () => {
    const user = await newUser();
    const stranger = await newUser();
    const mine = await signIn(app, { username: user.username, password: user.password });
    const myOther = await signIn(app, {
      username: user.username,
      password: user.password,
      userAgent: 'Phone',
    });
    const theirs = await signIn(app, { username: stranger.username, password: stranger.password });

    const list = await app.inject({ method: 'GET', url: '/api/me/sessions', headers: bearer(mine.token) });
    const items = list.json<{ items: { id: string; current: boolean; userAgent: string }[] }>().items;
    assert.equal(items.length, 2);
    assert.deepEqual(
      items.filter((s) => s.current).map((s) => s.id),
      [await sessionIdOf(mine.token)],
    );

    const theirId = await sessionIdOf(theirs.token);
    const notMine = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${theirId}`,
      headers: bearer(mine.token),
    });
    assert.equal(notMine.statusCode, 404);
    assert.equal(errorCode(notMine), 'not_found');
    assert.equal(await statusWithToken(theirs.token), 200, "the other user's session lives on");
    // Indistinguishable from an id that does not exist at all.
    const nowhere = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${uuidv7()}`,
      headers: bearer(mine.token),
    });
    assert.deepEqual(nowhere.json(), notMine.json());

    const otherId = await sessionIdOf(myOther.token);
    const ended = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${otherId}`,
      headers: bearer(mine.token),
    });
    assert.equal(ended.statusCode, 200);
    assert.equal(await statusWithToken(myOther.token), 401);
    assert.equal(await revokedReason(myOther.token), 'revoked_by_user');
    const again = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${otherId}`,
      headers: bearer(mine.token),
    });
    assert.equal(again.statusCode, 404);
    assert.equal(await statusWithToken(mine.token), 200);
  });

  test('"sign out everywhere else" ends every other session and keeps this one', async () => {
    const user = await newUser();
    const here = await signIn(app, { username: user.username, password: user.password });
    const others = [
      await signIn(app, { username: user.username, password: user.password }),
      await signIn(app, { username: user.username, password: user.password }),
    ];
    const bystander = await newUser();
    const theirs = await signIn(app, { username: bystander.username, password: bystander.password });
    const response = await app.inject({
      method: 'POST',
      url: '/api/me/sessions/revoke-others',
      headers: bearer(here.token),
    });
    assert.deepEqual(response.json(), { revoked: 2 });
    for (const other of others) {
      assert.equal(await statusWithToken(other.token), 401);
      assert.equal(await revokedReason(other.token), 'signed_out_everywhere');
    }
    assert.equal(await statusWithToken(here.token), 200);
    assert.equal(await statusWithToken(theirs.token), 200);
  });

  test('concurrent requests are each judged by their own session: a revoked one among live ones is refused', async () => {
    // Session checks of concurrent requests are read together; none may borrow another's answer.
    const alice = await newUser();
    const bob = await newUser();
    const aliceSession = await signIn(app, { username: alice.username, password: alice.password });
    const bobSession = await signIn(app, { username: bob.username, password: bob.password });
    const revoked = await signIn(app, { username: alice.username, password: alice.password });
    await app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(revoked.token) });
    const forged = issueSessionToken(ward.config.token.secret ?? '').token;
    const tokens = Array.from(
      { length: 30 },
      (_, i) => [aliceSession.token, bobSession.token, revoked.token, forged][i % 4] ?? '',
    );
    const answers = await Promise.all(
      tokens.map((token) => app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })),
    );
    answers.forEach((answer, i) => {
      const expected = i % 4 < 2 ? 200 : 401;
      assert.equal(answer.statusCode, expected, `request ${i}`);
      if (expected === 200) {
        const me = answer.json<{ user: { username: string } }>();
        assert.equal(me.user.username, i % 4 === 0 ? alice.username : bob.username);
      }
    });
  });

  test('disabling a user ends all their sessions at the next request, for good', async () => {
    const user = await newUser();
    const sessions = [
      await signIn(app, { username: user.username, password: user.password }),
      await signIn(app, { username: user.username, password: user.password }),
    ];
    await sql`UPDATE ward.users SET disabled_at = now() WHERE id = ${user.id}`.execute(db);
    for (const session of sessions) {
      assert.equal(await statusWithToken(session.token), 401);
      assert.equal(await revokedReason(session.token), 'user_disabled');
    }
    const signInAgain = await login(app, { username: user.username, password: user.password });
    assert.equal(errorCode(signInAgain), 'invalid_credentials');

    await sql`UPDATE ward.users SET disabled_at = NULL WHERE id = ${user.id}`.execute(db);
    for (const session of sessions) assert.equal(await statusWithToken(session.token), 401);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword, uniqueUsername, type TestUser } from '../../test/users.ts';
import { SessionService } from '../auth/sessions/service.ts';
import { ReauthenticationGuard } from '../auth/step-up/guard.ts';
import { PostgresThrottleStore } from '../auth/throttle/postgres-store.ts';
import { PasswordService } from './password-service.ts';
import { issuePasswordToken } from './password-tokens.ts';

// The signed-in user's own account as an attacker would probe it: passwords (expiry, blocklist,
// context words, history, guessing the current one), one-time reset links, and the last-access
// banner. One server for the whole file: tests use users of their own.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

function changePassword(
  token: string,
  currentPassword: string,
  newPassword: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/me/password',
    headers: bearer(token),
    payload: { currentPassword, newPassword },
  });
}

function reasonCodes(response: LightMyRequestResponse): string[] {
  const body = response.json<{ error: { code: string; details: { reasons: { code: string }[] } } }>();
  assert.equal(body.error.code, 'password_rejected', JSON.stringify(body));
  return body.error.details.reasons.map((r) => r.code);
}

/** The user's Standard level, with some of its settings changed. */
async function setLevel(
  user: TestUser,
  settings: { max_age_days?: number; history_count?: number },
): Promise<void> {
  await db
    .updateTable('ward.security_levels')
    .set(settings)
    .where('institution_id', '=', user.institutionId ?? '')
    .where('name', '=', 'Standard')
    .execute();
}

describe('an expired password', () => {
  test('a password inside the maximum age signs in as usual', async () => {
    const user = await createTestUser(db, { institution: true });
    await setLevel(user, { max_age_days: 90 });
    await sql`UPDATE ward.users SET password_changed_at = now() - interval '89 days' WHERE id = ${user.id}`.execute(
      db,
    );
    assert.equal((await signIn(app, { username: user.username, password: user.password })).state, 'active');
  });

  test('must be changed before anything else; the change ends the other sessions', async () => {
    const user = await createTestUser(db, { institution: true });
    await setLevel(user, { max_age_days: 90 });
    await sql`UPDATE ward.users SET password_changed_at = now() - interval '91 days' WHERE id = ${user.id}`.execute(
      db,
    );

    const elsewhere = await signIn(app, { username: user.username, password: user.password });
    const here = await signIn(app, { username: user.username, password: user.password });
    assert.equal(here.state, 'password_change_required');

    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(here.token) });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json<{ sessionState: string }>().sessionState, 'password_change_required');
    for (const [method, url] of [
      ['GET', '/api/me/sessions'],
      ['GET', '/api/me/sign-ins'],
      ['POST', '/api/me/sessions/revoke-others'],
    ] as const) {
      const refused = await app.inject({ method, url, headers: bearer(here.token) });
      assert.equal(refused.statusCode, 403, `${method} ${url}`);
      assert.equal(errorCode(refused), 'password_change_required');
    }

    const newPassword = strongPassword();
    const changed = await changePassword(here.token, user.password, newPassword);
    assert.equal(changed.statusCode, 200, changed.body);
    const sessions = await app.inject({
      method: 'GET',
      url: '/api/me/sessions',
      headers: bearer(here.token),
    });
    assert.equal(sessions.statusCode, 200, 'this session is active now');
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/me', headers: bearer(elsewhere.token) })).statusCode,
      401,
      'the other session ended',
    );
    assert.equal(
      errorCode(await login(app, { username: user.username, password: user.password })),
      'invalid_credentials',
    );
    assert.equal((await signIn(app, { username: user.username, password: newPassword })).state, 'active');
  });
});

describe('a new password', () => {
  test('is refused with every reason: too short, common, containing the person’s name', async () => {
    const user = await createTestUser(db, { institution: true, displayName: 'Rosalind Franklin' });
    const { token } = await signIn(app, { username: user.username, password: user.password });

    assert.deepEqual(reasonCodes(await changePassword(token, user.password, 'password')).sort(), [
      'common',
      'too_short',
    ]);
    assert.ok(reasonCodes(await changePassword(token, user.password, '1qaz2wsx3edc4rfv')).includes('common'));
    assert.deepEqual(
      reasonCodes(await changePassword(token, user.password, 'rosalind walks the quiet meadow')),
      ['contains_context'],
    );
    assert.deepEqual(
      reasonCodes(await changePassword(token, user.password, `meadow ${user.username} lantern`)),
      ['contains_context'],
    );
    assert.deepEqual(reasonCodes(await changePassword(token, user.password, user.password)), ['reused']);
    // Nothing was changed by any of them.
    await signIn(app, { username: user.username, password: user.password });
  });

  test('may not be one of the last passwords the level remembers', async () => {
    const user = await createTestUser(db, { institution: true });
    await setLevel(user, { history_count: 3 });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const second = strongPassword();
    const third = strongPassword();
    assert.equal((await changePassword(token, user.password, second)).statusCode, 200);
    assert.equal((await changePassword(token, second, third)).statusCode, 200);
    assert.deepEqual(reasonCodes(await changePassword(token, third, user.password)), ['reused']);
    assert.deepEqual(reasonCodes(await changePassword(token, third, second)), ['reused']);
    const fourth = strongPassword();
    assert.equal((await changePassword(token, third, fourth)).statusCode, 200);
    // Three remembered (current, and two before): the first is out of the window now.
    assert.equal((await changePassword(token, fourth, user.password)).statusCode, 200);
  });

  test('of 64 characters and more is accepted (NIST), and signs in', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const long = `${strongPassword()} ${'the river bends past seven quiet hills '.repeat(3)}`.slice(0, 100);
    assert.ok(long.length >= 64);
    assert.equal((await changePassword(token, user.password, long)).statusCode, 200);
    await signIn(app, { username: user.username, password: long });
  });

  test('the live check reports the policy but is no oracle for the current password', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const check = async (newPassword: string): Promise<unknown> =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/me/password/check',
          headers: bearer(token),
          payload: { newPassword },
        })
      ).json();
    const weak = (await check('password')) as { acceptable: boolean; reasons: { code: string }[] };
    assert.equal(weak.acceptable, false);
    assert.deepEqual(weak.reasons.map((r) => r.code).sort(), ['common', 'too_short']);
    assert.deepEqual(await check(user.password), await check(strongPassword()));
  });
});

describe('changing the password', () => {
  test('needs the current password, and guessing it is slowed down like sign-in', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const newPassword = strongPassword();
    for (let i = 0; i < 5; i += 1) {
      const wrong = await changePassword(token, `guess ${i}`, newPassword);
      assert.equal(wrong.statusCode, 401);
      assert.equal(errorCode(wrong), 'invalid_credentials');
    }
    const locked = await changePassword(token, user.password, newPassword);
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    // The lock is on changing the password only: signing in still works.
    await signIn(app, { username: user.username, password: user.password });

    await sql`UPDATE ward.throttle_counters SET locked_until = now() - interval '1 second'
              WHERE key = ${`step-up:${user.id}`}`.execute(db);
    assert.equal((await changePassword(token, user.password, newPassword)).statusCode, 200);
    await signIn(app, { username: user.username, password: newPassword });
  });

  test('parallel guesses at the current password get no more tries than guesses one by one', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, { username: user.username, password: user.password });
    const newPassword = strongPassword();
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => changePassword(token, `guess ${i}`, newPassword)),
    );
    const checked = burst.filter((r) => r.statusCode === 401).length;
    assert.ok(checked <= 5, `${checked} of 20 parallel guesses were checked`);
    assert.equal(burst.filter((r) => r.statusCode === 429).length, 20 - checked);
  });

  test('a session that owes a second factor moves on to enrolment, not to active', async () => {
    const user = await createTestUser(db, { institution: true });
    const sessions = new SessionService(db, 'a signing key for this test only');
    const { sessionId } = await sessions.start({
      userId: user.id,
      state: 'password_change_required',
      idleTimeoutMinutes: 30,
      absoluteTimeoutMinutes: 60,
      ip: '127.0.0.1',
      userAgent: 'tests',
    });
    const passwords = new PasswordService({
      db,
      sessions,
      throttle: new PostgresThrottleStore(db),
      guard: new ReauthenticationGuard(new PostgresThrottleStore(db)),
      hasSecondFactor: async () => false,
      secondFactorOwed: async () => true,
    });
    await passwords.change(user.id, sessionId, user.password, strongPassword(), async () => undefined);
    const { state } = await db
      .selectFrom('ward.sessions')
      .select('state')
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    assert.equal(state, 'second_factor_enrolment_required');
  });
});

describe('password reset links', () => {
  // The one-time link that sets or resets a password: good once, for 24 hours, and ending every
  // session the account had.

  function reset(
    token: string,
    newPassword: string,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token, newPassword },
      headers,
    });
  }

  async function meStatus(token: string): Promise<number> {
    return (await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode;
  }

  test('a reset link sets the password once and ends every session of the account', async () => {
    const user = await createTestUser(db, { institution: true });
    const sessions = [
      await signIn(app, { username: user.username, password: user.password }),
      await signIn(app, { username: user.username, password: user.password }),
    ];
    const link = await issuePasswordToken(db, user.id, 'reset');
    const newPassword = strongPassword();

    const response = await reset(link, newPassword);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { passwordSet: true });
    for (const session of sessions) assert.equal(await meStatus(session.token), 401);

    assert.equal(
      errorCode(await login(app, { username: user.username, password: user.password })),
      'invalid_credentials',
    );
    await signIn(app, { username: user.username, password: newPassword });

    const again = await reset(link, strongPassword());
    assert.equal(again.statusCode, 400);
    assert.equal(errorCode(again), 'invalid_token');
    await signIn(app, { username: user.username, password: newPassword });
  });

  test('a link older than 24 hours, a replaced one and an unknown one are refused alike', async () => {
    const user = await createTestUser(db, { institution: true });
    const expired = await issuePasswordToken(db, user.id, 'reset');
    await sql`UPDATE ward.password_tokens SET created_at = created_at - interval '24 hours 1 second',
                                              expires_at = expires_at - interval '24 hours 1 second'
              WHERE user_id = ${user.id}`.execute(db);
    const expiredAnswer = await reset(expired, strongPassword());
    assert.equal(expiredAnswer.statusCode, 400);
    assert.equal(errorCode(expiredAnswer), 'invalid_token');

    const replaced = await issuePasswordToken(db, user.id, 'reset');
    const current = await issuePasswordToken(db, user.id, 'reset');
    const replacedAnswer = await reset(replaced, strongPassword());
    const unknownAnswer = await reset(randomBytes(32).toString('base64url'), strongPassword());
    assert.deepEqual(replacedAnswer.json(), expiredAnswer.json());
    assert.deepEqual(unknownAnswer.json(), expiredAnswer.json());
    assert.equal(unknownAnswer.statusCode, 400);

    // None of them changed anything; the live link still works.
    await signIn(app, { username: user.username, password: user.password });
    assert.equal((await reset(current, strongPassword())).statusCode, 200);
  });

  test('a refused new password does not use up the link', async () => {
    const user = await createTestUser(db, { institution: true });
    const link = await issuePasswordToken(db, user.id, 'reset');
    const weak = await reset(link, 'password');
    assert.equal(errorCode(weak), 'password_rejected');
    const newPassword = strongPassword();
    assert.equal((await reset(link, newPassword)).statusCode, 200);
    await signIn(app, { username: user.username, password: newPassword });
  });

  test('a link is no oracle for the old passwords: "used recently" answers are limited', async () => {
    const user = await createTestUser(db, { institution: true });
    const link = await issuePasswordToken(db, user.id, 'reset');
    for (let i = 0; i < 5; i += 1) {
      assert.deepEqual(reasonCodes(await reset(link, user.password)), ['reused']);
    }
    const limited = await reset(link, user.password);
    assert.equal(limited.statusCode, 429);
    assert.equal(errorCode(limited), 'too_many_requests');
    // Rules that say nothing about old passwords are still answered.
    assert.equal(errorCode(await reset(link, 'password')), 'password_rejected');
    await sql`UPDATE ward.throttle_counters SET locked_until = now() - interval '1 second'
              WHERE key = ${`password-reset-answers:${user.id}`}`.execute(db);
    const newPassword = strongPassword();
    assert.equal((await reset(link, newPassword)).statusCode, 200);
    await signIn(app, { username: user.username, password: newPassword });
  });

  test('a reset lifts the lock that strangers put on the account', async () => {
    const user = await createTestUser(db, { institution: true });
    for (let i = 0; i < 5; i += 1) await login(app, { username: user.username, password: `guess ${i}` });
    const newPassword = strongPassword();
    assert.equal(
      errorCode(await login(app, { username: user.username, password: user.password })),
      'invalid_credentials',
    );
    assert.equal((await reset(await issuePasswordToken(db, user.id, 'reset'), newPassword)).statusCode, 200);
    await signIn(app, { username: user.username, password: newPassword });
  });

  test('a reset posted from another site is refused', async () => {
    const user = await createTestUser(db, { institution: true });
    const link = await issuePasswordToken(db, user.id, 'reset');
    const response = await reset(link, strongPassword(), { 'sec-fetch-site': 'cross-site' });
    assert.equal(response.statusCode, 403);
    assert.equal(errorCode(response), 'csrf_rejected');
    await signIn(app, { username: user.username, password: user.password });
  });
});

describe('last access', () => {
  // "When you log in, check when was your last access": after signing in, the user sees the sign-in
  // before this one and how many failed attempts there were on their account in between.

  interface Me {
    lastAccess: { at: string; ip: string; userAgent: string; failedSince: number } | null;
    failedSinceLastAccess: number;
  }

  async function me(token: string): Promise<Me> {
    const response = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    assert.equal(response.statusCode, 200);
    return response.json<Me>();
  }

  test('shows the previous sign-in and the failures since it', async () => {
    const user = await createTestUser(db, { institution: true });
    // Failures before the previous sign-in are old news and not counted.
    await login(app, { username: user.username, password: 'an old failure' });
    const first = await signIn(app, { username: user.username, password: user.password });
    assert.equal((await me(first.token)).lastAccess, null, 'nothing before the first sign-in');

    const previous = await signIn(app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.10',
      userAgent: 'Firefox on the ward computer',
    });
    const { at } = await db
      .selectFrom('ward.sign_in_attempts')
      .select('at')
      .where('user_id', '=', user.id)
      .where('outcome', '=', 'success')
      .where('ip', '=', '192.0.2.10')
      .executeTakeFirstOrThrow();

    // In between: two wrong passwords and, once locked, a refused attempt; someone else's failures
    // do not count.
    await login(app, { username: user.username, password: 'guess one', remoteAddress: '203.0.113.5' });
    await login(app, { username: user.username, password: 'guess two', remoteAddress: '203.0.113.5' });
    await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until)
              VALUES (${`account:${user.username}`}, 5, now() + interval '1 minute')
              ON CONFLICT (key) DO UPDATE SET locked_until = EXCLUDED.locked_until`.execute(db);
    await login(app, { username: user.username, password: user.password, remoteAddress: '203.0.113.5' });
    await login(app, {
      username: uniqueUsername('someone'),
      password: 'not ours',
      remoteAddress: '203.0.113.5',
    });
    await db.deleteFrom('ward.throttle_counters').where('key', '=', `account:${user.username}`).execute();

    const now = await signIn(app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.20',
    });
    const shown = await me(now.token);
    assert.deepEqual(shown.lastAccess, {
      at: at instanceof Date ? at.toISOString() : at,
      ip: '192.0.2.10',
      userAgent: 'Firefox on the ward computer',
      failedSince: 3,
    });
    assert.equal(shown.failedSinceLastAccess, 3);

    // An older session still sees the sign-in before its own, not the newest one.
    assert.equal((await me(previous.token)).lastAccess?.ip, '127.0.0.1');
  });

  test('the sign-in history lists successes and failures, newest first, refusals while locked among them', async () => {
    const user = await createTestUser(db, { institution: true });
    await login(app, {
      username: user.username,
      password: 'wrong',
      remoteAddress: '192.0.2.30',
      userAgent: 'Guesser',
    });
    await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until)
              VALUES (${`account:${user.username}`}, 5, now() + interval '1 minute')
              ON CONFLICT (key) DO UPDATE SET locked_until = EXCLUDED.locked_until`.execute(db);
    await login(app, {
      username: user.username,
      password: 'still guessing',
      remoteAddress: '192.0.2.31',
      userAgent: 'Guesser',
    });
    await db.deleteFrom('ward.throttle_counters').where('key', '=', `account:${user.username}`).execute();
    const session = await signIn(app, {
      username: user.username,
      password: user.password,
      userAgent: 'Owner',
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/me/sign-ins',
      headers: bearer(session.token),
    });
    const items = response.json<{ items: { ip: string; userAgent: string; outcome: string }[] }>().items;
    assert.deepEqual(
      items.map((i) => [i.outcome, i.ip, i.userAgent]),
      [
        ['success', '127.0.0.1', 'Owner'],
        ['throttled', '192.0.2.31', 'Guesser'],
        ['wrong_password', '192.0.2.30', 'Guesser'],
      ],
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { as, issuedResetLink } from '../admin/test-support.ts';
import {
  answerChallenge,
  awayFromStepBoundary,
  beginEnrolment,
  compactSecret,
  confirmEnrolment,
  createTwoFactorInstitution,
  enrolOverHttp,
  oathtoolCode,
  passwordStep,
  staleCode,
  STEP_MS,
  type Enrolment,
} from '../twofactor/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword } from '../../test/users.ts';
import { reauthenticate, stepUp } from './step-up/test-support.ts';
import { MAX_CONSECUTIVE_FAILURES } from './throttle/policy.ts';
import { PostgresThrottleStore } from './throttle/postgres-store.ts';

// Attacks on Ward's authentication flows over the real HTTP routes: two-factor enrolment, sign-in and
// disabling, password reset links, sessions, cross-site requests and the step-up. Each test states
// what an attacker tries and what Ward must answer.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let iid: string;

before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  iid = await createTwoFactorInstitution(db);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

const userUrl = (institution: string, uid: string): string =>
  `/api/institutions/${institution}/admin/users/${uid}`;

function disableTwoFactor(token: string, password: string, code: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'DELETE',
    url: '/api/me/2fa',
    headers: bearer(token),
    payload: { password, code },
  });
}

function resetWithLink(token: string, newPassword: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/auth/password/reset', payload: { token, newPassword } });
}

/** A user of the two-factor institution, signed in, with two-factor enrolled over HTTP. */
async function enrolledSession(): Promise<{
  user: Awaited<ReturnType<typeof createTestUser>>;
  token: string;
  secret: string;
}> {
  const user = await createTestUser(db, { institution: iid, roles: ['doctor'] });
  const { token } = await signIn(app, user);
  const { secret } = await enrolOverHttp(app, token, user.password);
  return { user, token, secret };
}

/** Six digits that are none of the codes of the steps around now. */
async function wrongCode(secret: string, n: number): Promise<string> {
  const now = Date.now();
  const valid = new Set(
    await Promise.all([-STEP_MS, 0, STEP_MS, 2 * STEP_MS].map((d) => oathtoolCode(secret, now + d))),
  );
  for (let i = n; ; i += 7919) {
    const guess = String(i % 1_000_000).padStart(6, '0');
    if (!valid.has(guess)) return guess;
  }
}

describe('turning two-factor off with a stolen session', () => {
  test('guessing the 6 digits is throttled: after a few wrong codes even the right one waits', async () => {
    // The thief knows the password (phished) and holds a session (left open); the code is all that
    // stands between them and an account with the password alone. One million codes, three valid at
    // any time: without a limit, a few hundred thousand requests turn two-factor off.
    const { user, token, secret } = await enrolledSession();
    await awayFromStepBoundary(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await disableTwoFactor(token, user.password, await wrongCode(secret, i))).statusCode);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    const right = await disableTwoFactor(
      token,
      user.password,
      await oathtoolCode(secret, Date.now() + STEP_MS),
    );
    assert.equal(right.statusCode, 429, `the right code after ${statuses.length} wrong ones: ${right.body}`);
    assert.ok(Number(right.headers['retry-after']) > 0);
    const status = await app.inject({ method: 'GET', url: '/api/me/2fa', headers: bearer(token) });
    assert.equal(status.json<{ enabled: boolean }>().enabled, true, 'two-factor is still on');
  });

  test('guessing the password through it, or through enrolment, is throttled with the step-up', async () => {
    // Each route that asks for the password again is a way to test guesses at it. They share one
    // counter, so a thief gets no more guesses by spreading them over the routes.
    const user = await createTestUser(db, { institution: iid, roles: ['doctor'] });
    const { token } = await signIn(app, user);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await beginEnrolment(app, token, `enrolment guess ${i}`)).statusCode);
    }
    statuses.push((await reauthenticate(app, token, 'step-up guess')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const right = await beginEnrolment(app, token, user.password);
    assert.equal(
      right.statusCode,
      429,
      `the right password after five wrong ones: ${String(right.statusCode)}`,
    );
    assert.doesNotMatch(right.body, /otpauth/);

    const enrolled = await enrolledSession();
    for (let i = 0; i < 5; i++) {
      const guess = await disableTwoFactor(enrolled.token, `disable guess ${i}`, '123456');
      assert.equal(guess.statusCode, 401, guess.body);
      assert.equal(errorCode(guess), 'invalid_credentials');
    }
    const locked = await reauthenticate(app, enrolled.token, enrolled.user.password);
    assert.equal(locked.statusCode, 429, locked.body);
    // Signing in is not locked by any of it: the real user still gets in.
    await passwordStep(app, enrolled.user);
  });
});

describe('guesses at the password through a stolen session', () => {
  test('share one backoff whichever route asks: changing the password, then the step-up', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, user);
    for (let i = 0; i < 5; i++) {
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers: bearer(token),
        payload: { currentPassword: `guess ${i}`, newPassword: strongPassword() },
      });
      assert.equal(errorCode(wrong), 'invalid_credentials');
    }
    // The sixth guess, at another route that asks for the password, waits like the first five's next.
    assert.equal(errorCode(await reauthenticate(app, token, user.password)), 'too_many_requests');
  });
});

describe('a pending enrolment', () => {
  test('cannot be confirmed by guessing codes: the thief would get the recovery codes', async () => {
    // The user has scanned the QR code and not yet typed the code. A thief holding their session, who
    // never saw the secret, guesses confirmations: a hit turns two-factor on with the user's secret and
    // hands the thief the ten recovery codes, a second factor of their own.
    const user = await createTestUser(db, { institution: iid, roles: ['doctor'] });
    const { token } = await signIn(app, user);
    const begun = await beginEnrolment(app, token, user.password);
    assert.equal(begun.statusCode, 200, begun.body);
    const secret = compactSecret(begun.json<Enrolment>().secret);
    await awayFromStepBoundary(10_000);
    for (let i = 0; i < 5; i++) {
      const guess = await confirmEnrolment(app, token, await wrongCode(secret, i));
      assert.equal(guess.statusCode, 401, guess.body);
    }
    const right = await confirmEnrolment(app, token, await oathtoolCode(secret));
    assert.equal(right.statusCode, 429, `the right code after five wrong ones: ${right.body}`);
    assert.doesNotMatch(right.body, /recoveryCodes/);
  });

  test('never shows the secret again once two-factor is on, in any answer', async () => {
    const { user, token, secret } = await enrolledSession();
    const grouped = secret.match(/.{1,4}/g)?.join(' ') ?? secret;
    const answers = [
      await app.inject({ method: 'GET', url: '/api/me/2fa', headers: bearer(token) }),
      await beginEnrolment(app, token, user.password),
      await confirmEnrolment(app, token, await oathtoolCode(secret)),
      await disableTwoFactor(token, user.password, await staleCode(secret)),
      await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) }),
    ];
    assert.equal(answers[1]?.statusCode, 409, answers[1]?.body);
    for (const answer of answers) {
      assert.ok(!answer.body.includes(secret) && !answer.body.includes(grouped), answer.body);
      assert.doesNotMatch(answer.body, /otpauth/);
    }
  });
});

describe('a second-factor challenge', () => {
  test('is spent by the sign-in it completed: a later code cannot open a second session with it', async () => {
    const { user, secret } = await enrolledSession();
    const { challenge } = await passwordStep(app, user);
    const first = await answerChallenge(app, {
      challenge,
      code: await oathtoolCode(secret, Date.now() + STEP_MS),
    });
    assert.equal(first.statusCode, 200, first.body);
    const again = await answerChallenge(app, {
      challenge,
      code: await oathtoolCode(secret, Date.now() + STEP_MS),
    });
    assert.equal(again.statusCode, 401);
    assert.equal(errorCode(again), 'second_factor_challenge_invalid');
  });
});

describe('password reset links', () => {
  const issuedLink = () => issuedResetLink(app, db);

  test('lift the lock left by 100 failed re-authentications, which nothing else lifts', async () => {
    const { doctor, link } = await issuedLink();
    const { token } = await signIn(app, doctor);
    // A session thief guessed the password at the step-up a hundred times, over about a day of backoff.
    const throttle = new PostgresThrottleStore(db);
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) await throttle.recordFailure(`step-up:${doctor.id}`);
    const locked = await reauthenticate(app, token, doctor.password);
    assert.equal(errorCode(locked), 'too_many_requests');
    assert.deepEqual(locked.json<{ error: { details: unknown } }>().error.details, {
      lockedUntilReset: true,
    });
    assert.match(locked.json<{ error: { message: string } }>().error.message, /until your password is reset/);
    assert.equal(locked.headers['retry-after'], undefined);

    const newPassword = strongPassword();
    assert.equal((await resetWithLink(link, newPassword)).statusCode, 200);
    const { token: fresh } = await signIn(app, { username: doctor.username, password: newPassword });
    await stepUp(app, fresh, newPassword);
  });

  test('redeemed twice at once set the password once', async () => {
    const { doctor, link } = await issuedLink();
    const [a, b] = [strongPassword(), strongPassword()];
    const answers = await Promise.all([resetWithLink(link, a), resetWithLink(link, b)]);
    assert.deepEqual(
      answers.map((r) => r.statusCode).sort(),
      [200, 400],
      answers.map((r) => r.body).join(' '),
    );
    const winner = answers[0].statusCode === 200 ? a : b;
    assert.equal((await signIn(app, { username: doctor.username, password: winner })).state, 'active');
  });

  test('are stored only as a hash of 256 random bits', async () => {
    const { doctor, link } = await issuedLink();
    assert.ok(Buffer.from(link, 'base64url').length >= 32, link);
    const rows = await db
      .selectFrom('ward.password_tokens')
      .selectAll()
      .where('user_id', '=', doctor.id)
      .execute();
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(link.replace(/[-]/g, '\\-')));
    assert.notEqual(rows[0]?.token_hash.toString('base64url'), link);
  });

  test('do not work for an account disabled after they were issued, not even once it is enabled again', async () => {
    // A link leaks (chat, e-mail) or its person leaves; the administrator disables the account. Whoever
    // holds the link must not choose the password that works the day the account is enabled again.
    const { admin, doctor, link } = await issuedLink();
    const disabled = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/disable`);
    assert.equal(disabled.statusCode, 200, disabled.body);
    const attackerPassword = strongPassword();
    const whileDisabled = await resetWithLink(link, attackerPassword);
    assert.equal(
      whileDisabled.statusCode,
      400,
      `the link set a disabled account's password: ${whileDisabled.body}`,
    );
    assert.equal(errorCode(whileDisabled), 'invalid_token');

    const enabled = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/enable`);
    assert.equal(enabled.statusCode, 200, enabled.body);
    const afterEnabled = await resetWithLink(link, attackerPassword);
    assert.equal(afterEnabled.statusCode, 400, afterEnabled.body);
    assert.equal((await signIn(app, doctor)).state, 'active', 'the password the person had still works');
  });
});

describe('cross-site requests', () => {
  test('a cookie-authenticated POST from a sandboxed page (Origin: null), a text/plain form or with a method override is refused', async () => {
    const user = await createTestUser(db);
    const victim = await signIn(app, user);
    const other = await signIn(app, user);
    const attempts: InjectOptions[] = [
      { method: 'POST', url: '/api/me/sessions/revoke-others', headers: { origin: 'null' } },
      {
        method: 'POST',
        url: '/api/me/sessions/revoke-others',
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
        payload: '{"x":"=y"}',
      },
      // A GET that a method override would turn into a DELETE of the other session.
      {
        method: 'GET',
        url: `/api/me/sessions/revoke-others?_method=POST`,
        headers: { 'x-http-method-override': 'POST', 'sec-fetch-site': 'cross-site' },
      },
    ];
    for (const attempt of attempts) {
      const response = await app.inject({ ...attempt, cookies: { ward_session: victim.token } });
      assert.ok([403, 404].includes(response.statusCode), `${response.statusCode}: ${response.body}`);
    }
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(other.token) });
    assert.equal(me.statusCode, 200, 'the other session was not revoked');
  });

  test('no answer grants another origin CORS access, not even to a preflight', async () => {
    const user = await createTestUser(db);
    const { token } = await signIn(app, user);
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/me/sessions/revoke-others',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    const read = await app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { ...bearer(token), origin: 'https://evil.example' },
    });
    for (const response of [preflight, read]) {
      const granted = Object.keys(response.headers).filter((h) => h.startsWith('access-control-'));
      assert.deepEqual(granted, [], JSON.stringify(response.headers));
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, type TestUser } from '../../test/users.ts';
import { loadTwoFactorKeyring } from './keys.ts';
import { ReauthenticationGuard } from '../auth/step-up/guard.ts';
import { PostgresThrottleStore } from '../auth/throttle/postgres-store.ts';
import { CHALLENGE_MINUTES, SecondFactorError, TwoFactorService } from './service.ts';
import {
  answerChallenge,
  awayFromStepBoundary,
  compactSecret,
  createTwoFactorInstitution,
  enrolOverHttp,
  oathtoolCode,
  passwordStep,
  refusalReason,
  staleCode,
  STEP_MS,
  twoFactorStatus,
} from './test-support.ts';

// The second step of sign-in as an attacker meets it: a code works once, within a minute either side,
// five tries per challenge that also feed the account's backoff, recovery codes once each, and
// challenges that expire and cannot be forged.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let institution: string;

before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  institution = await createTwoFactorInstitution(db);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

/** A user with two-factor on; the current step's code was used to confirm it. */
async function enrolledUser(): Promise<TestUser & { secret: string; recoveryCodes: string[] }> {
  const user = await createTestUser(db, { institution });
  const { token } = await signIn(app, user);
  return { ...user, ...(await enrolOverHttp(app, token, user.password)) };
}

/** The code of the step after now's: accepted (±1 step) and not yet used after an enrolment now. */
function nextCode(secret: string): Promise<string> {
  return oathtoolCode(secret, Date.now() + STEP_MS);
}

async function liveSessionsOf(userId: string): Promise<number> {
  const row = await db
    .selectFrom('ward.sessions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function accountCounter(username: string): Promise<{ failures: number; locked: boolean } | undefined> {
  const row = await db
    .selectFrom('ward.throttle_counters')
    .select(['consecutive_failures', sql<boolean>`coalesce(locked_until > now(), false)`.as('locked')])
    .where('key', '=', `account:${username}`)
    .executeTakeFirst();
  return row && { failures: row.consecutive_failures, locked: row.locked };
}

describe('a TOTP code at sign-in', () => {
  test('is accepted once: the same code again is refused as used', async () => {
    const user = await enrolledUser();
    const code = await nextCode(user.secret);
    const first = await answerChallenge(app, { challenge: (await passwordStep(app, user)).challenge, code });
    assert.equal(first.statusCode, 200, first.body);

    const again = await answerChallenge(app, { challenge: (await passwordStep(app, user)).challenge, code });
    assert.equal(again.statusCode, 401);
    assert.equal(errorCode(again), 'second_factor_invalid');
    assert.equal(refusalReason(again), 'code_used');
    // An older code still inside the window is refused too: steps only move forward.
    const older = await answerChallenge(app, {
      challenge: (await passwordStep(app, user)).challenge,
      code: await oathtoolCode(user.secret),
    });
    assert.equal(older.statusCode, 401);
    assert.equal(refusalReason(older), 'code_used');
  });

  test('submitted to two challenges at once makes exactly one session', async () => {
    const user = await enrolledUser();
    const [a, b] = [await passwordStep(app, user), await passwordStep(app, user)];
    assert.notEqual(a.challenge, b.challenge);
    const before = await liveSessionsOf(user.id);
    const code = await nextCode(user.secret);

    const answers = await Promise.all([
      answerChallenge(app, { challenge: a.challenge, code }),
      answerChallenge(app, { challenge: b.challenge, code }),
    ]);
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 401], answers.map((r) => r.body).join());
    const refused = answers.find((r) => r.statusCode === 401);
    assert.ok(refused);
    assert.equal(refusalReason(refused), 'code_used');
    assert.equal(await liveSessionsOf(user.id), before + 1);
  });

  test('from two steps before or after is refused; from one step either side is accepted', async () => {
    const user = await enrolledUser();
    const { challenge } = await passwordStep(app, user);
    // The server's step must be the one the codes are computed around.
    await awayFromStepBoundary();
    const now = Date.now();
    for (const offset of [-2, 2]) {
      const response = await answerChallenge(app, {
        challenge,
        code: await oathtoolCode(user.secret, now + offset * STEP_MS),
      });
      assert.equal(response.statusCode, 401, `step ${String(offset)}: ${response.body}`);
      assert.equal(refusalReason(response), 'code_invalid', `step ${String(offset)}`);
    }
    const accepted = await answerChallenge(app, {
      challenge,
      code: await oathtoolCode(user.secret, now + STEP_MS),
    });
    assert.equal(accepted.statusCode, 200, accepted.body);
  });
});

describe('a challenge', () => {
  test('dies after five wrong codes, even for the right one, and the wrong codes lock the account', async () => {
    const user = await enrolledUser();
    const { challenge } = await passwordStep(app, user);
    const wrong = await staleCode(user.secret);
    for (let i = 1; i <= 5; i++) {
      const response = await answerChallenge(app, { challenge, code: wrong });
      assert.equal(response.statusCode, 401);
      assert.equal(refusalReason(response), 'code_invalid', `try ${String(i)}`);
    }
    const right = await nextCode(user.secret);
    const dead = await answerChallenge(app, { challenge, code: right });
    assert.equal(dead.statusCode, 401);
    assert.equal(errorCode(dead), 'second_factor_challenge_invalid');
    assert.equal(refusalReason(dead), 'too_many_attempts');

    const counter = await accountCounter(user.username);
    assert.ok(counter && counter.failures >= 5, `wrong codes are counted: ${JSON.stringify(counter)}`);
    assert.equal(counter.locked, true);
    const locked = await login(app, user);
    assert.equal(locked.statusCode, 401, 'the right password is refused while locked');
    assert.equal(errorCode(locked), 'invalid_credentials');

    // Once the lock is over, the password again is not a clean slate: only a complete sign-in is.
    await sql`UPDATE ward.throttle_counters SET locked_until = now() - interval '1 second'
              WHERE key = ${`account:${user.username}`}`.execute(db);
    const fresh = await passwordStep(app, user);
    const kept = await accountCounter(user.username);
    assert.ok(
      kept && kept.failures > counter.failures,
      `the password step does not wipe the wrong codes: ${JSON.stringify(kept)}`,
    );
    const signedIn = await answerChallenge(app, { challenge: fresh.challenge, code: right });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.equal(await accountCounter(user.username), undefined, 'a complete sign-in clears the counter');
  });

  test('gives parallel wrong answers no more than five tries between them', async () => {
    const user = await enrolledUser();
    const { challenge } = await passwordStep(app, user);
    const wrong = await staleCode(user.secret);
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => answerChallenge(app, { challenge, code: wrong })),
    );
    const reasons = answers.map((r) => refusalReason(r));
    assert.equal(reasons.filter((r) => r === 'code_invalid').length, 5, reasons.join());
    assert.equal(reasons.filter((r) => r === 'too_many_attempts').length, 10, reasons.join());
    const right = await answerChallenge(app, { challenge, code: await nextCode(user.secret) });
    assert.equal(right.statusCode, 401);
    assert.equal(errorCode(right), 'second_factor_challenge_invalid');
  });

  test(`expires ${String(CHALLENGE_MINUTES)} minutes after the password step`, async () => {
    const user = await enrolledUser();
    const { challenge, expiresAt } = await passwordStep(app, user);
    const lifetime = Date.parse(expiresAt) - Date.now();
    assert.ok(Math.abs(lifetime - CHALLENGE_MINUTES * 60_000) < 10_000, `expires in ${String(lifetime)} ms`);

    await db
      .updateTable('ward.second_factor_challenges')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('user_id', '=', user.id)
      .execute();
    const late = await answerChallenge(app, { challenge, code: await nextCode(user.secret) });
    assert.equal(late.statusCode, 401);
    assert.equal(errorCode(late), 'second_factor_challenge_invalid');
    assert.equal(await liveSessionsOf(user.id), 1, 'only the session that enrolled');
  });

  test('with a signature this deployment did not make is refused and leaves the real one usable', async () => {
    const user = await enrolledUser();
    const { challenge } = await passwordStep(app, user);
    const [id = '', signature = ''] = challenge.split('.');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const code = await nextCode(user.secret);
    for (const forged of [
      `${id}.${flipped}`,
      `${id}.`,
      id,
      `${id}.${signature}.extra`,
      `00000000-0000-7000-8000-000000000000.${signature}`,
      'not-a-challenge',
    ]) {
      const response = await answerChallenge(app, { challenge: forged, code });
      assert.equal(response.statusCode, 401, `${forged}: ${response.body}`);
      assert.equal(errorCode(response), 'second_factor_challenge_invalid', forged);
    }
    const real = await answerChallenge(app, { challenge, code });
    assert.equal(real.statusCode, 200, real.body);
  });
});

describe('recovery codes', () => {
  test('work in place of a code, once each, for their owner only', async () => {
    const user = await enrolledUser();
    const someoneElse = await enrolledUser();
    const [first = '', second = ''] = user.recoveryCodes;
    assert.match(first, /^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);

    const used = await answerChallenge(app, {
      challenge: (await passwordStep(app, user)).challenge,
      recoveryCode: first,
    });
    assert.equal(used.statusCode, 200, used.body);
    const token = used.json<{ token: string }>().token;
    const status = await twoFactorStatus(app, token);
    assert.equal(status.json<{ recoveryCodesLeft: number }>().recoveryCodesLeft, 9);

    const { challenge } = await passwordStep(app, user);
    for (const refused of [first, someoneElse.recoveryCodes[0] ?? '', 'ABCDE-FGHJK']) {
      const response = await answerChallenge(app, { challenge, recoveryCode: refused });
      assert.equal(response.statusCode, 401, `${refused}: ${response.body}`);
      assert.equal(errorCode(response), 'second_factor_invalid');
    }

    // As typed from paper: lower case, a space for the dash.
    const typed = await answerChallenge(app, {
      challenge,
      recoveryCode: second.replace('-', ' ').toLowerCase(),
    });
    assert.equal(typed.statusCode, 200, typed.body);
    const me = await app.inject({
      method: 'GET',
      url: '/api/me/2fa',
      headers: bearer(typed.json<{ token: string }>().token),
    });
    assert.equal(me.json<{ recoveryCodesLeft: number }>().recoveryCodesLeft, 8);
  });
});

describe('the TOTP window, on a clock the test controls', () => {
  test('accepts one step either side and refuses two, with codes from oathtool', async () => {
    const user = await createTestUser(db, { institution });
    let clock = 0;
    const service = new TwoFactorService({
      db,
      keyring: await loadTwoFactorKeyring(db, ward.config),
      featureEnabled: true,
      challengeKey: 'a key for this test only',
      guard: new ReauthenticationGuard(new PostgresThrottleStore(db)),
      now: () => clock,
    });
    // In the middle of a step, ten minutes after the enrolment.
    const enrolledAt = Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS / 2;
    clock = enrolledAt;
    const secret = compactSecret(
      (await service.beginEnrolment(user.id, user.username, user.password)).secret,
    );
    await service.confirmEnrolment(user.id, await oathtoolCode(secret, enrolledAt));
    const now = enrolledAt + 10 * 60_000;
    clock = now;

    const answer = async (at: number): Promise<string> => {
      const { challenge } = await service.createChallenge({
        userId: user.id,
        ip: '192.0.2.1',
        userAgent: 'test',
        lockKey: `account:${user.username}`,
      });
      try {
        await service.answerChallenge(challenge, { code: await oathtoolCode(secret, at) });
        return 'ok';
      } catch (error) {
        if (error instanceof SecondFactorError) return error.failure;
        throw error;
      }
    };
    assert.equal(await answer(now - 2 * STEP_MS), 'code_invalid');
    assert.equal(await answer(now + 2 * STEP_MS), 'code_invalid');
    // The exact edges: the last and first milliseconds of the steps two away.
    assert.equal(await answer(now - STEP_MS / 2 - STEP_MS - 1), 'code_invalid');
    assert.equal(await answer(now + STEP_MS / 2 + STEP_MS), 'code_invalid');
    assert.equal(await answer(now - STEP_MS), 'ok');
    assert.equal(await answer(now), 'ok');
    assert.equal(await answer(now + STEP_MS), 'ok');
    assert.equal(await answer(now + STEP_MS), 'code_used');
  });
});

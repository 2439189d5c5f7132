import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../test/users.ts';
import { loadTwoFactorKeyring } from './keys.ts';
import { ReauthenticationGuard } from '../auth/step-up/guard.ts';
import { PostgresThrottleStore } from '../auth/throttle/postgres-store.ts';
import { TwoFactorService } from './service.ts';
import {
  answerChallenge,
  beginEnrolment,
  compactSecret,
  confirmEnrolment,
  createTwoFactorInstitution,
  enrolOverHttp,
  oathtoolCode,
  passwordStep,
  refusalReason,
  signInWithCode,
  staleCode,
  STEP_MS,
  twoFactorStatus,
  type Enrolment,
} from './test-support.ts';

// The profile's "Enable two-factor authentication" dialog as a user meets it: who is offered it, what
// it asks for, what turns it on and off, and what an institution that requires it does to a session.

const ADMIN_PASSWORD = 'correct horse battery staple for tests';

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let twoFactorInstitution: string;

before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  twoFactorInstitution = await createTwoFactorInstitution(db);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

interface Status {
  available: boolean;
  enabled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
}

async function statusOf(token: string): Promise<Status> {
  const response = await twoFactorStatus(app, token);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Status>();
}

describe('enrolment', () => {
  test('gives a secret that an independent generator (oathtool) turns into codes Ward accepts, at enrolment and at sign-in', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution });
    const { token } = await signIn(app, user);
    assert.deepEqual(await statusOf(token), {
      available: true,
      enabled: false,
      required: false,
      recoveryCodesLeft: 0,
    });

    const begun = await beginEnrolment(app, token, user.password);
    assert.equal(begun.statusCode, 200, begun.body);
    const enrolment = begun.json<Enrolment>();
    const secret = compactSecret(enrolment.secret);
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits of base32');
    const uri = new URL(enrolment.otpauthUri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), `/Ward:${user.username}`);
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Ward');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.match(enrolment.qrSvg, /^<svg[\s>]/);
    assert.equal((await statusOf(token)).enabled, false, 'not on until a code confirms it');

    const confirmed = await confirmEnrolment(app, token, await oathtoolCode(secret));
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const { enabled, recoveryCodes } = confirmed.json<{ enabled: boolean; recoveryCodes: string[] }>();
    assert.equal(enabled, true);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    assert.deepEqual(await statusOf(token), {
      available: true,
      enabled: true,
      required: false,
      recoveryCodesLeft: 10,
    });

    // The password alone no longer makes a session: no token, no session cookie.
    const passwordOnly = await login(app, { ...user, tokenDelivery: 'bearer' });
    assert.equal(passwordOnly.statusCode, 200, passwordOnly.body);
    const body = passwordOnly.json<{ secondFactor?: { challenge: string }; token?: string }>();
    assert.ok(body.secondFactor, passwordOnly.body);
    assert.equal(body.token, undefined);
    assert.equal(
      passwordOnly.cookies.find((c) => c.name === 'ward_session'),
      undefined,
      'no session cookie before the second factor',
    );

    // The next step's code (the current one was used up by the confirmation), as the app shows it soon.
    const next = await oathtoolCode(secret, Date.now() + STEP_MS);
    const answered = await answerChallenge(app, { challenge: body.secondFactor.challenge, code: next });
    assert.equal(answered.statusCode, 200, answered.body);
    const session = answered.json<{ state: string; token: string }>();
    assert.equal(session.state, 'active');
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(session.token) });
    assert.equal(me.statusCode, 200, me.body);
  });

  test('asks for the password again, and a wrong one stores nothing', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution });
    const { token } = await signIn(app, user);
    const refused = await beginEnrolment(app, token, `${user.password}x`);
    assert.equal(refused.statusCode, 401);
    assert.equal(errorCode(refused), 'invalid_credentials');
    assert.doesNotMatch(refused.body, /otpauth|secret/i);
    const row = await db
      .selectFrom('ward.two_factor')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    assert.equal(row, undefined);
    // A confirmation without a pending enrolment has nothing to confirm.
    const confirm = await confirmEnrolment(app, token, '123456');
    assert.equal(confirm.statusCode, 409);
  });

  test('a wrong code leaves two-factor off; the right one then turns it on', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution });
    const { token } = await signIn(app, user);
    const secret = compactSecret((await beginEnrolment(app, token, user.password)).json<Enrolment>().secret);

    for (const wrong of [await staleCode(secret), '12345', 'abcdef']) {
      const refused = await confirmEnrolment(app, token, wrong);
      assert.equal(refused.statusCode, 401, `${wrong}: ${refused.body}`);
      assert.equal(errorCode(refused), 'second_factor_invalid');
    }
    assert.equal((await statusOf(token)).enabled, false);
    // Still off where it matters: the password alone signs in.
    assert.equal((await signIn(app, user)).state, 'active');

    const confirmed = await confirmEnrolment(app, token, await oathtoolCode(secret));
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((await statusOf(token)).enabled, true);
  });

  test('is not offered where the institution has not enabled it', async () => {
    const plainInstitution = await createTwoFactorInstitution(db, false);
    const user = await createTestUser(db, { institution: plainInstitution });
    const { token } = await signIn(app, user);
    assert.deepEqual(await statusOf(token), {
      available: false,
      enabled: false,
      required: false,
      recoveryCodesLeft: 0,
    });
    const refused = await beginEnrolment(app, token, user.password);
    assert.equal(refused.statusCode, 403);
    assert.equal(errorCode(refused), 'forbidden');
    assert.equal((await confirmEnrolment(app, token, '123456')).statusCode, 403);
  });

  test('is offered to the system administrator, who belongs to no institution', async () => {
    const { token } = await signIn(app, { username: 'admin', password: ADMIN_PASSWORD });
    assert.equal((await statusOf(token)).available, true);
  });

  test('turning it off takes the password and a current code', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution });
    const { token: first } = await signIn(app, user);
    const { secret } = await enrolOverHttp(app, first, user.password);
    const code = await oathtoolCode(secret, Date.now() + STEP_MS);
    const token = await signInWithCode(app, user, code);
    const disable = (payload: Record<string, string>): Promise<LightMyRequestResponse> =>
      app.inject({ method: 'DELETE', url: '/api/me/2fa', headers: bearer(token), payload });

    const noCode = await disable({ password: user.password });
    assert.equal(noCode.statusCode, 400, 'the code is required');
    const wrongPassword = await disable({ password: `${user.password}x`, code: await oathtoolCode(secret) });
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(errorCode(wrongPassword), 'invalid_credentials');
    const wrongCode = await disable({ password: user.password, code: await staleCode(secret) });
    assert.equal(wrongCode.statusCode, 401);
    assert.equal(errorCode(wrongCode), 'second_factor_invalid');
    const usedCode = await disable({ password: user.password, code });
    assert.equal(usedCode.statusCode, 401, 'the code that signed in is used up');
    assert.equal(refusalReason(usedCode), 'code_used');
    assert.equal((await statusOf(token)).enabled, true, 'still on after every refusal');

    // A fresh code: the step after the one the sign-in used.
    await db
      .updateTable('ward.two_factor')
      .set({ last_used_step: sql<string>`last_used_step - 2` })
      .where('user_id', '=', user.id)
      .execute();
    const disabled = await disable({ password: user.password, code: await oathtoolCode(secret) });
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.deepEqual(disabled.json(), { enabled: false });
    assert.deepEqual(await statusOf(token), {
      available: true,
      enabled: false,
      required: false,
      recoveryCodesLeft: 0,
    });
    assert.equal((await signIn(app, user)).state, 'active', 'the password alone signs in again');
  });
});

describe('when the deployment flag is off', () => {
  test('two-factor is offered to nobody, not even where an institution enabled it', async () => {
    const off = await startWard();
    const offDb = ownerDb(off.database.url);
    try {
      const institution = await createTwoFactorInstitution(offDb);
      const user = await createTestUser(offDb, { institution, level: 'High' });
      const signedIn = await signIn(off.server.app, user);
      assert.equal(signedIn.state, 'active', 'a level cannot require what the deployment does not offer');
      const admin = await signIn(off.server.app, { username: 'admin', password: ADMIN_PASSWORD });
      for (const [who, token, password] of [
        ['member', signedIn.token, user.password],
        ['administrator', admin.token, ADMIN_PASSWORD],
      ] as const) {
        const status = await twoFactorStatus(off.server.app, token);
        assert.equal(status.json<Status>().available, false, who);
        const refused = await beginEnrolment(off.server.app, token, password);
        assert.equal(refused.statusCode, 403, `${who}: ${refused.body}`);
        assert.equal(errorCode(refused), 'forbidden');
      }
    } finally {
      await offDb.destroy();
      await off.stop();
    }
  });
});

describe('a security level that requires two-factor', () => {
  test('lets a user without it do nothing but enrol, then the same session goes on', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution, level: 'High' });
    const { token, state } = await signIn(app, user);
    assert.equal(state, 'second_factor_enrolment_required');

    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    assert.equal(me.statusCode, 200, 'who am I is allowed');
    const sessions = await app.inject({ method: 'GET', url: '/api/me/sessions', headers: bearer(token) });
    assert.equal(sessions.statusCode, 403);
    assert.equal(errorCode(sessions), 'second_factor_enrolment_required');
    assert.deepEqual(await statusOf(token), {
      available: true,
      enabled: false,
      required: true,
      recoveryCodesLeft: 0,
    });

    const turnOff = await app.inject({
      method: 'DELETE',
      url: '/api/me/2fa',
      headers: bearer(token),
      payload: { password: user.password, code: '123456' },
    });
    assert.equal(turnOff.statusCode, 403, 'only enrolment is allowed in this state');
    assert.equal(errorCode(turnOff), 'second_factor_enrolment_required');
    // Leaving is allowed.
    const other = await signIn(app, user);
    const logout = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(other.token),
    });
    assert.equal(logout.statusCode, 200, logout.body);

    const { secret } = await enrolOverHttp(app, token, user.password);
    const after = await app.inject({ method: 'GET', url: '/api/me/sessions', headers: bearer(token) });
    assert.equal(after.statusCode, 200, after.body);

    // From now on the password is not enough.
    const next = await oathtoolCode(secret, Date.now() + STEP_MS);
    assert.ok(await signInWithCode(app, user, next));
  });

  test('cannot require it where the institution does not offer it', async () => {
    const plainInstitution = await createTwoFactorInstitution(db, false);
    const user = await createTestUser(db, { institution: plainInstitution, level: 'High' });
    assert.equal((await signIn(app, user)).state, 'active');
  });

  test('still requires enrolment after the user changes an expired password', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution, level: 'High' });
    await db
      .updateTable('ward.users')
      .set({ must_change_password: true })
      .where('id', '=', user.id)
      .execute();
    const { token, state } = await signIn(app, user);
    assert.equal(state, 'password_change_required');
    const changed = await app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: bearer(token),
      payload: { currentPassword: user.password, newPassword: `${user.password} and more` },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const sessions = await app.inject({ method: 'GET', url: '/api/me/sessions', headers: bearer(token) });
    assert.equal(sessions.statusCode, 403, 'enrolment is still owed');
    assert.equal(errorCode(sessions), 'second_factor_enrolment_required');
  });
});

describe("an administrator's reset", () => {
  test('lets the user in with the password alone and tells them so once', async () => {
    const user = await createTestUser(db, { institution: twoFactorInstitution });
    const { token } = await signIn(app, user);
    await enrolOverHttp(app, token, user.password);
    await passwordStep(app, user);

    const service = new TwoFactorService({
      db,
      keyring: await loadTwoFactorKeyring(db, ward.config),
      featureEnabled: true,
      challengeKey: 'unused by a reset',
      guard: new ReauthenticationGuard(new PostgresThrottleStore(db)),
    });
    assert.equal(await service.resetByAdministrator(user.id), true);
    assert.equal(await service.resetByAdministrator(user.id), false, 'nothing left to reset');

    const first = await login(app, { ...user, tokenDelivery: 'bearer' });
    assert.equal(first.statusCode, 200, first.body);
    const firstBody = first.json<{ state: string; token: string; notices: string[] }>();
    assert.equal(firstBody.state, 'active');
    assert.deepEqual(firstBody.notices, ['two_factor_reset']);
    assert.deepEqual(await statusOf(firstBody.token), {
      available: true,
      enabled: false,
      required: false,
      recoveryCodesLeft: 0,
    });

    const second = await login(app, { ...user, tokenDelivery: 'bearer' });
    assert.deepEqual(second.json<{ notices: string[] }>().notices, [], 'told once');
  });
});

describe('the password length rule (NIST SP 800-63B)', () => {
  test('allows 8 characters with two-factor and asks for 15 without', async () => {
    const candidate = 'vq7#Lp2x';
    const check = async (token: string): Promise<{ acceptable: boolean; reasons: { code: string }[] }> => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/me/password/check',
        headers: bearer(token),
        payload: { newPassword: candidate },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };

    const without = await createTestUser(db, { institution: twoFactorInstitution });
    const plain = await check((await signIn(app, without)).token);
    assert.equal(plain.acceptable, false);
    assert.deepEqual(
      plain.reasons.map((r) => r.code),
      ['too_short'],
    );

    const withIt = await createTestUser(db, { institution: twoFactorInstitution });
    const { secret } = await enrolOverHttp(app, (await signIn(app, withIt)).token, withIt.password);
    const token = await signInWithCode(app, withIt, await oathtoolCode(secret, Date.now() + STEP_MS));
    assert.deepEqual(await check(token), { acceptable: true, reasons: [] });
  });
});

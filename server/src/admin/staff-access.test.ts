import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createTwoFactorInstitution, enrolOverHttp, passwordStep } from '../twofactor/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword } from '../../test/users.ts';
import { addMembership } from '../identity/store.ts';
import { stepUp } from '../auth/step-up/test-support.ts';
import { as, auditRowsOf, signedInMember, tokenOfLink } from './test-support.ts';

// What an administrator can do about a person's access, as that person (and an attacker holding
// their session) meets it: disabling ends every session at once and bars sign-in, enabling restores
// it, sessions can be ended, a reset link replaces the password, and a reset second factor is
// announced at the next sign-in.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;

before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

const userUrl = (iid: string, uid: string): string => `/api/institutions/${iid}/admin/users/${uid}`;

function me(token: string): Promise<number> {
  return app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) }).then((r) => r.statusCode);
}

describe('disabling a person', () => {
  test('ends every session at once and bars sign-in; enabling lets them back', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const doctor = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
    const phone = await signIn(app, doctor);
    const desk = await signIn(app, doctor);
    assert.equal(await me(phone.token), 200);

    const disabled = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/disable`);
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.equal(disabled.json<{ disabled: boolean }>().disabled, true);
    assert.equal(await me(phone.token), 401, 'the bearer token stops working on the next request');
    assert.equal(await me(desk.token), 401);
    const refused = await login(app, doctor);
    assert.equal(refused.statusCode, 401);
    assert.equal(errorCode(refused), 'invalid_credentials', 'the same answer as a wrong password');

    const [row] = await auditRowsOf(db, 'admin.user.disable', doctor.id);
    assert.equal(row?.actorId, admin.id);
    assert.deepEqual(row.details, {
      before: { disabled: false },
      after: { disabled: true, accountDisabled: true },
      sessionsRevoked: 2,
    });

    const again = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/disable`);
    assert.equal(again.statusCode, 200);
    assert.equal(
      (await auditRowsOf(db, 'admin.user.disable', doctor.id)).length,
      1,
      'nothing more to record',
    );

    const enabled = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/enable`);
    assert.equal(enabled.statusCode, 200, enabled.body);
    assert.equal(enabled.json<{ disabled: boolean }>().disabled, false);
    assert.equal(await me(phone.token), 401, 'ended sessions stay ended');
    const back = await signIn(app, doctor);
    assert.equal(back.state, 'active');
    const patients = await as(
      app,
      back.token,
      'GET',
      `/api/institutions/${admin.institutionId}/patients?q=anyone`,
    );
    assert.equal(patients.statusCode, 200, 'their role works again');
    assert.deepEqual((await auditRowsOf(db, 'admin.user.enable', doctor.id))[0]?.details, {
      before: { disabled: true, accountDisabled: true },
      after: { disabled: false },
    });
  });

  test('in one institution leaves the account to the others it works for', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const other = await createTestUser(db, { institution: true, roles: ['doctor'] });
    await addMembership(db, {
      institutionId: admin.institutionId,
      userId: other.id,
      roles: ['doctor'],
      levelName: 'Standard',
    });
    const session = await signIn(app, other);
    const disabled = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, other.id)}/disable`);
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.equal(await me(session.token), 401, 'their sessions end everywhere');
    const back = await signIn(app, other);
    const here = await as(app, back.token, 'GET', `/api/institutions/${admin.institutionId}/patients?q=x`);
    assert.equal(here.statusCode, 404, 'not staff here any more');
    const there = await as(app, back.token, 'GET', `/api/institutions/${other.institutionId!}/patients?q=x`);
    assert.equal(there.statusCode, 200, 'still staff in the other institution');
    assert.deepEqual((await auditRowsOf(db, 'admin.user.disable', other.id))[0]?.details.after, {
      disabled: true,
      accountDisabled: false,
    });
  });
});

describe("ending a person's sessions", () => {
  test('ends all of them at once, and the person can sign in again', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const nurse = await createTestUser(db, { institution: admin.institutionId, roles: ['nurse'] });
    const sessions = [await signIn(app, nurse), await signIn(app, nurse)];
    const response = await as(
      app,
      admin.token,
      'POST',
      `${userUrl(admin.institutionId, nurse.id)}/sessions/revoke`,
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { revoked: 2 });
    for (const s of sessions) assert.equal(await me(s.token), 401);
    assert.equal(await me(admin.token), 200, "the administrator's own session is untouched");
    assert.deepEqual((await auditRowsOf(db, 'admin.sessions.revoke', nurse.id))[0]?.details, { revoked: 2 });
    assert.equal((await signIn(app, nurse)).state, 'active');
  });
});

describe('a password reset link', () => {
  test('lets the person choose a new password; the old one stops working', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const doctor = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
    const requestLink = (): Promise<LightMyRequestResponse> =>
      as(app, admin.token, 'POST', `${userUrl(admin.institutionId, doctor.id)}/password-reset`);
    // The administrator's session alone is not enough: they confirm their own password first.
    assert.equal(errorCode(await requestLink()), 'reauthentication_required');
    assert.equal((await auditRowsOf(db, 'admin.password_reset_link', doctor.id)).length, 0);
    await stepUp(app, admin.token, admin.password);
    const response = await requestLink();
    assert.equal(response.statusCode, 200, response.body);
    const { link, validHours } = response.json<{ link: string; validHours: number }>();
    assert.equal(validHours, 24);
    const token = tokenOfLink(link);
    const [row] = await auditRowsOf(db, 'admin.password_reset_link', doctor.id);
    assert.equal(row?.actorId, admin.id);
    assert.ok(!JSON.stringify(row.details).includes(token), 'the trail never holds the link');

    const password = strongPassword();
    const reset = await app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token, newPassword: password },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(errorCode(await login(app, doctor)), 'invalid_credentials');
    assert.equal((await signIn(app, { username: doctor.username, password })).state, 'active');
  });

  test('is refused for an account another institution also relies on', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const shared = await createTestUser(db, { institution: true, roles: ['institution_admin'] });
    await addMembership(db, {
      institutionId: admin.institutionId,
      userId: shared.id,
      roles: ['doctor'],
      levelName: 'Standard',
    });
    for (const action of ['password-reset', '2fa/reset']) {
      const response = await as(
        app,
        admin.token,
        'POST',
        `${userUrl(admin.institutionId, shared.id)}/${action}`,
      );
      assert.equal(response.statusCode, 403, `${action}: ${response.body}`);
    }
    assert.equal((await signIn(app, shared)).state, 'active');
  });
});

describe("a person's sign-in history", () => {
  test('shows successes and failures, newest first', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const nurse = await createTestUser(db, { institution: admin.institutionId, roles: ['nurse'] });
    await signIn(app, nurse);
    await login(app, { username: nurse.username, password: 'not the password at all' });
    const response = await as(app, admin.token, 'GET', `${userUrl(admin.institutionId, nurse.id)}/sign-ins`);
    assert.equal(response.statusCode, 200, response.body);
    const { items } = response.json<{ items: { outcome: string; ip: string; userAgent: string }[] }>();
    assert.equal(items.length, 2);
    assert.notEqual(items[0]?.outcome, 'success');
    assert.equal(items[1]?.outcome, 'success');
    assert.equal(items[1].userAgent, 'ward-tests/1.0');
  });
});

describe('resetting a second factor', () => {
  test('lets the person in with the password alone, and tells them once', async () => {
    const institution = await createTwoFactorInstitution(db);
    const admin = await signedInMember(app, db, institution, ['institution_admin']);
    const doctor = await createTestUser(db, { institution, roles: ['doctor'] });
    const { token } = await signIn(app, doctor);
    await enrolOverHttp(app, token, doctor.password);
    await passwordStep(app, doctor);
    const listed = await as(app, admin.token, 'GET', userUrl(institution, doctor.id));
    assert.equal(listed.json<{ twoFactorEnabled: boolean }>().twoFactorEnabled, true);

    const reset = (): Promise<LightMyRequestResponse> =>
      as(app, admin.token, 'POST', `${userUrl(institution, doctor.id)}/2fa/reset`);
    assert.equal(errorCode(await reset()), 'reauthentication_required');
    assert.equal(
      (await as(app, admin.token, 'GET', userUrl(institution, doctor.id))).json<{
        twoFactorEnabled: boolean;
      }>().twoFactorEnabled,
      true,
    );
    await stepUp(app, admin.token, admin.password);
    const response = await reset();
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { reset: true });
    const [row] = await auditRowsOf(db, 'twofactor.reset', doctor.id);
    assert.equal(row?.actorId, admin.id);
    assert.deepEqual(row.details, { before: { twoFactorEnabled: true }, after: { twoFactorEnabled: false } });

    const first = await login(app, { ...doctor, tokenDelivery: 'bearer' });
    assert.equal(first.statusCode, 200, first.body);
    const body = first.json<{ state: string; notices: string[]; secondFactor?: unknown }>();
    assert.equal(body.secondFactor, undefined, 'no second step any more');
    assert.equal(body.state, 'active');
    assert.deepEqual(body.notices, ['two_factor_reset']);
    const second = await login(app, { ...doctor, tokenDelivery: 'bearer' });
    assert.deepEqual(second.json<{ notices: string[] }>().notices, []);
  });
});

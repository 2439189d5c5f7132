import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEventsTable, Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { as, signedInMember, tokenOfLink } from '../admin/test-support.ts';
import { stepUp } from '../auth/step-up/test-support.ts';
import { createTwoFactorInstitution, enrolOverHttp, oathtoolCode } from '../twofactor/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword } from '../../test/users.ts';

// What a person does to their own account is on the trail too: signing out, ending sessions,
// changing or resetting the password, turning two-factor on or off, confirming the password for a
// sensitive action (and getting it wrong). An auditor investigating a taken-over account needs each.

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

type Row = Selectable<AuditEventsTable>;

async function rowsAbout(userId: string, action: string): Promise<Row[]> {
  return db
    .selectFrom('ward.audit_events')
    .selectAll()
    .where('action', '=', action)
    .where('target_id', '=', userId)
    .orderBy('id')
    .execute();
}

function post(token: string, url: string, payload?: object) {
  return app.inject({ method: 'POST', url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

describe("changes to one's own account", () => {
  test('ending sessions, one or all others, and signing out are recorded with who and how many', async () => {
    const user = await createTestUser(db, { institution: true });
    const { token } = await signIn(app, user);
    const second = await signIn(app, user);
    await signIn(app, user);
    const sessions = await app.inject({ method: 'GET', url: '/api/me/sessions', headers: bearer(token) });
    const other = sessions
      .json<{ items: { id: string; current: boolean }[] }>()
      .items.find((s) => !s.current);
    assert.ok(other);
    const one = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${other.id}`,
      headers: bearer(token),
    });
    assert.equal(one.statusCode, 200, one.body);
    const rest = await post(token, '/api/me/sessions/revoke-others');
    assert.equal(rest.statusCode, 200, rest.body);

    const revocations = await rowsAbout(user.id, 'account.session_revoke');
    assert.deepEqual(
      revocations.map((r) => [r.actor_id, r.outcome, r.details]),
      [
        [user.id, 'success', { revoked: 1 }],
        [user.id, 'success', { revoked: 1 }],
      ],
    );
    // A session already ended is not found, and leaves no row claiming it was ended.
    const again = await app.inject({
      method: 'DELETE',
      url: `/api/me/sessions/${other.id}`,
      headers: bearer(token),
    });
    assert.equal(again.statusCode, 404);
    assert.equal((await rowsAbout(user.id, 'account.session_revoke')).length, 2);

    assert.equal((await post(token, '/api/auth/logout')).statusCode, 200);
    const [signOut] = await db
      .selectFrom('ward.audit_events')
      .selectAll()
      .where('action', '=', 'auth.sign_out')
      .where('actor_id', '=', user.id)
      .execute();
    assert.equal(signOut?.outcome, 'success');
    assert.equal(signOut.target_type, 'session');
    // The session id is named; the token never is.
    assert.ok(!JSON.stringify(await rowsAbout(user.id, 'account.session_revoke')).includes(second.token));
  });

  test('a password change and a reset through a link are recorded, in the same transaction, without the password', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const user = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
    const { token } = await signIn(app, user);
    const changedTo = strongPassword();
    const changed = await post(token, '/api/me/password', {
      currentPassword: user.password,
      newPassword: changedTo,
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const [change] = await rowsAbout(user.id, 'account.password_change');
    assert.equal(change?.actor_id, user.id);

    // A refused change (a wrong current password) changes nothing and records no change.
    const refused = await post(
      (await signIn(app, { ...user, password: changedTo })).token,
      '/api/me/password',
      {
        currentPassword: 'not the current password',
        newPassword: strongPassword(),
      },
    );
    assert.equal(refused.statusCode, 401);
    assert.equal((await rowsAbout(user.id, 'account.password_change')).length, 1);

    await stepUp(app, admin.token, admin.password);
    const issued = await as(
      app,
      admin.token,
      'POST',
      `/api/institutions/${admin.institutionId}/admin/users/${user.id}/password-reset`,
    );
    assert.equal(issued.statusCode, 200, issued.body);
    const resetTo = strongPassword();
    const reset = await app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token: tokenOfLink(issued.json<{ link: string }>().link), newPassword: resetTo },
    });
    assert.equal(reset.statusCode, 200, reset.body);
    const [viaLink] = await rowsAbout(user.id, 'account.password_reset');
    assert.equal(viaLink?.actor_id, user.id, 'the link’s owner set it');

    const trail = JSON.stringify(
      await db.selectFrom('ward.audit_events').selectAll().where('target_id', '=', user.id).execute(),
    );
    for (const secret of [user.password, changedTo, resetTo]) assert.ok(!trail.includes(secret));
  });

  test('two-factor turned on and off, and re-authentication right and wrong, are recorded', async () => {
    const institution = await createTwoFactorInstitution(db);
    const user = await createTestUser(db, { institution });
    const { token } = await signIn(app, user);
    const { secret } = await enrolOverHttp(app, token, user.password);
    assert.equal((await rowsAbout(user.id, 'twofactor.enable')).length, 1);

    const wrong = await post(token, '/api/me/reauthenticate', {
      password: 'not the password at all',
      code: '000000',
    });
    assert.equal(wrong.statusCode, 401);
    // A code of the step after the enrolment's one: the enrolment used the current step's up.
    await db
      .updateTable('ward.two_factor')
      .set({ last_used_step: sql<string>`last_used_step - 2` })
      .where('user_id', '=', user.id)
      .execute();
    const right = await post(token, '/api/me/reauthenticate', {
      password: user.password,
      code: await oathtoolCode(secret),
    });
    assert.equal(right.statusCode, 200, right.body);
    const reauthentications = await db
      .selectFrom('ward.audit_events')
      .select(['outcome', 'reason'])
      .where('action', '=', 'auth.reauthenticate')
      .where('actor_id', '=', user.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(reauthentications, [
      { outcome: 'failure', reason: 'invalid_credentials' },
      { outcome: 'success', reason: null },
    ]);

    await db
      .updateTable('ward.two_factor')
      .set({ last_used_step: sql<string>`last_used_step - 2` })
      .where('user_id', '=', user.id)
      .execute();
    const off = await app.inject({
      method: 'DELETE',
      url: '/api/me/2fa',
      headers: bearer(token),
      payload: { password: user.password, code: await oathtoolCode(secret) },
    });
    assert.equal(off.statusCode, 200, off.body);
    const [disabled] = await rowsAbout(user.id, 'twofactor.disable');
    assert.deepEqual(disabled?.details, { after: { twoFactorEnabled: false } });
    assert.ok(!JSON.stringify(await rowsAbout(user.id, 'twofactor.enable')).includes(secret));
  });
});

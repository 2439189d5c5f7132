import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from './db/schema.ts';
import type { WardApp } from './http/types.ts';
import { addMembership } from './identity/store.ts';
import { as, issuedResetLink, signedInMember as signedInAdmin, tokenOfLink } from './admin/test-support.ts';
import {
  createEncounter,
  createPatient,
  errorOf,
  signedInMember,
  type Member,
} from './patients/test-support.ts';
import { startWard, type RunningWard } from '../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword } from '../test/users.ts';
import { createTwoFactorInstitution, enrolOverHttp } from './twofactor/test-support.ts';

// Attacks on Ward's access controls across features, over the real HTTP routes: each test states a
// property Ward promises (a stolen administrator session, a shared account, a leaked reset link, a
// break-glass grant) and tries to break it.

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

const HOUR_MS = 3_600_000;
const userUrl = (iid: string, uid: string): string => `/api/institutions/${iid}/admin/users/${uid}`;

function resetWithLink(token: string, newPassword: string) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/password/reset',
    payload: { token, newPassword },
  });
}

describe('password reset links', () => {
  test('a reset link stops working once the person changes their password themselves', async () => {
    // An administrator issues a reset link (it travels by chat or e-mail and may be seen by others).
    // The person then changes their password from their own profile, e.g. because they remembered it
    // or suspect the link leaked. Whoever holds the link must not be able to take the account over.
    const { doctor, link: linkToken } = await issuedResetLink(app, db);

    const session = await signIn(app, doctor);
    const ownPassword = strongPassword();
    const changed = await app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: bearer(session.token),
      payload: { currentPassword: doctor.password, newPassword: ownPassword },
    });
    assert.equal(changed.statusCode, 200, changed.body);

    const attackerPassword = strongPassword();
    const reset = await resetWithLink(linkToken, attackerPassword);
    assert.equal(
      reset.statusCode,
      400,
      `the stale link still reset the password after the user changed it: ${reset.body}`,
    );
    assert.equal(errorCode(reset), 'invalid_token');
    // The person's own password still works, and their session is still alive.
    assert.equal((await signIn(app, { username: doctor.username, password: ownPassword })).state, 'active');
  });
});

describe('a stolen session of an institution administrator', () => {
  test('cannot remove its own second factor and choose a new password without knowing either', async () => {
    // Ward promises that turning two-factor off "takes the password and a current code, so a stolen
    // session alone cannot", and that changing the password takes the current one. An administrator
    // who walks away from an unlocked workstation leaves a session; whoever sits down uses the
    // administrator routes on the administrator's own account instead.
    const iid = await createTwoFactorInstitution(db);
    const admin = await createTestUser(db, { institution: iid, roles: ['institution_admin'], level: 'High' });
    await createTestUser(db, { institution: iid, roles: ['institution_admin'] }); // not the last admin
    const session = await signIn(app, admin);
    await enrolOverHttp(app, session.token, admin.password);
    const stolen = session.token;

    // The profile's own routes hold: without the password (and code) nothing changes.
    const ownDisable = await app.inject({
      method: 'DELETE',
      url: '/api/me/2fa',
      headers: bearer(stolen),
      payload: { password: 'a guess at the password', code: '000000' },
    });
    assert.notEqual(ownDisable.statusCode, 200, ownDisable.body);

    // The administration routes, aimed at oneself, need neither.
    const twoFactorReset = await as(app, stolen, 'POST', `${userUrl(iid, admin.id)}/2fa/reset`);
    const link = await as(app, stolen, 'POST', `${userUrl(iid, admin.id)}/password-reset`);
    if (twoFactorReset.statusCode === 200 && link.statusCode === 200) {
      const attackerPassword = strongPassword();
      const reset = await resetWithLink(tokenOfLink(link.json<{ link: string }>().link), attackerPassword);
      assert.equal(reset.statusCode, 200, reset.body);
      const takeover = await login(app, {
        username: admin.username,
        password: attackerPassword,
        tokenDelivery: 'bearer',
      });
      if (takeover.statusCode === 200) {
        // Signed in with the password alone; enrolling their own authenticator makes it theirs.
        const token = takeover.json<{ token: string }>().token;
        await enrolOverHttp(app, token, attackerPassword);
        const staff = await as(app, token, 'GET', `/api/institutions/${iid}/admin/users`);
        assert.notEqual(
          staff.statusCode,
          200,
          'the holder of a stolen session now owns the administrator account, with their own second factor',
        );
      }
    }
    assert.notEqual(twoFactorReset.statusCode, 200, twoFactorReset.body);
    assert.notEqual(link.statusCode, 200, link.body);
  });
});

describe("one institution's administrator and accounts shared with another institution", () => {
  test('cannot take over a shared account while its other membership is suspended', async () => {
    // A doctor works for A and B. B's administrator suspends B's membership (leave, investigation)
    // and later restores it. In between, A's administrator resets the password and uses the link.
    const adminA = await signedInAdmin(app, db, true, ['institution_admin']);
    const adminB = await signedInAdmin(app, db, true, ['institution_admin']);
    const shared = await createTestUser(db, { institution: adminA.institutionId, roles: ['doctor'] });
    await addMembership(db, {
      institutionId: adminB.institutionId,
      userId: shared.id,
      roles: ['doctor'],
      levelName: 'Standard',
    });
    const registrarB = await signedInMember(app, db, adminB.institutionId, ['administrative']);
    await createPatient(registrarB, { familyName: 'Sharedcase' });

    const suspended = await as(
      app,
      adminB.token,
      'POST',
      `${userUrl(adminB.institutionId, shared.id)}/disable`,
    );
    assert.equal(suspended.statusCode, 200, suspended.body);

    const issued = await as(
      app,
      adminA.token,
      'POST',
      `${userUrl(adminA.institutionId, shared.id)}/password-reset`,
    );
    if (issued.statusCode === 200) {
      // A's administrator now chooses the shared account's password.
      const attackerPassword = strongPassword();
      const reset = await resetWithLink(tokenOfLink(issued.json<{ link: string }>().link), attackerPassword);
      assert.equal(reset.statusCode, 200, reset.body);
      // B's administrator restores B's membership, unaware that the credentials changed hands.
      const restored = await as(
        app,
        adminB.token,
        'POST',
        `${userUrl(adminB.institutionId, shared.id)}/enable`,
      );
      assert.equal(restored.statusCode, 200, restored.body);
      const stolen = await signIn(app, { username: shared.username, password: attackerPassword });
      const patientsOfB = await app.inject({
        method: 'GET',
        url: `/api/institutions/${adminB.institutionId}/patients?q=sharedcase`,
        headers: bearer(stolen.token),
      });
      assert.notEqual(
        patientsOfB.statusCode,
        200,
        "A's administrator set the password of an account B relies on and now reads B's patients",
      );
    }
    assert.equal(issued.statusCode, 403, issued.body);
  });
});

describe('justified ("break-glass") access', () => {
  let registrar: Member;
  let iid: string;

  before(async () => {
    registrar = await signedInMember(app, db, true, ['administrative']);
    iid = registrar.institutionId;
  });

  async function recordStatus(member: Member, patientId: string): Promise<string> {
    const response = await member.request('GET', `/patients/${patientId}/record`);
    return response.statusCode === 200 ? '200' : `${String(response.statusCode)} ${errorOf(response)}`;
  }

  test('ends when its window ends, even if the clinician recorded an encounter under it', async () => {
    const doctor = await signedInMember(app, db, iid, ['doctor']);
    const patientId = (await createPatient(registrar, { familyName: 'Breakglass' })).id;
    assert.equal(await recordStatus(doctor, patientId), '403 justification_required');

    const grant = await doctor.request('POST', `/patients/${patientId}/access`, {
      body: { reason: 'audit' },
    });
    assert.equal(grant.statusCode, 201, grant.body);
    // Under the 24-hour grant the clinician writes a throwaway encounter…
    const encounterId = await createEncounter(doctor, patientId, { type: 'telehealth', reason: 'x' });

    // …then a day passes: the grant is over (moving timestamps stands in for the clock).
    await db
      .updateTable('ward.access_justifications')
      .set({
        granted_at: sql<Date>`now() - interval '25 hours'`,
        expires_at: sql<Date>`now() - interval '1 hour'`,
      })
      .where('institution_id', '=', iid)
      .where('patient_id', '=', patientId)
      .execute();
    await db
      .updateTable('ward.encounters')
      .set({ occurred_at: new Date(Date.now() - 24 * HOUR_MS) })
      .where('institution_id', '=', iid)
      .where('id', '=', encounterId)
      .execute();

    const shown = await doctor.request('GET', `/patients/${patientId}`);
    assert.equal(
      await recordStatus(doctor, patientId),
      '403 justification_required',
      `the expired justification lives on as a care relationship: ${shown.body}`,
    );
  });

  test('cannot be marked reviewed by the clinician who stated it', async () => {
    // A member who is both clinician and auditor (roles combine) opens a record by break-glass and
    // then clears the review flag on their own justification: the oversight never sees it.
    const doctorAuditor = await signedInMember(app, db, iid, ['doctor', 'auditor']);
    const patientId = (await createPatient(registrar, { familyName: 'Selfreview' })).id;
    const grant = await doctorAuditor.request('POST', `/patients/${patientId}/access`, {
      body: { reason: 'emergency', detail: 'curious' },
    });
    assert.equal(grant.statusCode, 201, grant.body);
    const { id } = grant.json<{ id: string }>();
    assert.equal(await recordStatus(doctorAuditor, patientId), '200');

    const review = await doctorAuditor.request('POST', `/access-justifications/${id}/review`);
    const pending = await doctorAuditor.request('GET', '/access-justifications?unreviewed=true');
    const stillListed = pending.json<{ items: { id: string }[] }>().items.some((item) => item.id === id);
    assert.ok(
      review.statusCode !== 200 && stillListed,
      `the clinician reviewed their own break-glass access (${String(review.statusCode)} ${review.body}); ` +
        `still waiting for review: ${String(stillListed)}`,
    );
  });
});

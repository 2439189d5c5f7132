import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { ADMIN_USERNAME } from '../identity/bootstrap-admin.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { errorCode, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword, uniqueUsername } from '../../test/users.ts';
import { as, auditRowsOf, keysOf, signedInMember, tokenOfLink } from './test-support.ts';

// The deployment's institutions as its system administrator manages them: each new institution
// comes with its first administrator, who chooses their own password through a one-time link.
// Nobody else reaches these routes.

const ADMIN_PASSWORD = 'correct horse battery staple for tests';

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let systemToken: string;

before(async () => {
  ward = await startWard({ properties: { 'admin.password': ADMIN_PASSWORD } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  systemToken = (await signIn(app, { username: ADMIN_USERNAME, password: ADMIN_PASSWORD })).token;
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

interface Summary {
  id: string;
  name: string;
  timeZone: string;
  activeStaff: number;
  activeAdministrators: number;
}

async function institutions(): Promise<Summary[]> {
  const response = await as(app, systemToken, 'GET', '/api/admin/institutions');
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Summary[] }>().items;
}

function newInstitution(overrides: object = {}): Record<string, unknown> {
  return {
    name: `Hospital ${uniqueUsername('h')}`,
    timeZone: 'Europe/Madrid',
    twoFactorEnabled: true,
    firstAdmin: { username: uniqueUsername('director'), displayName: 'Directora Médica' },
    ...overrides,
  };
}

describe('creating an institution', () => {
  test('creates it with its first administrator, who sets their own password and can manage staff', async () => {
    const input = newInstitution();
    const response = await as(app, systemToken, 'POST', '/api/admin/institutions', input);
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json<{
      institution: { id: string; name: string; timeZone: string; twoFactorEnabled: boolean };
      firstAdmin: { id: string; username: string };
      setPasswordLink: string;
    }>();
    assert.equal(body.institution.name, input.name);
    assert.equal(body.institution.timeZone, 'Europe/Madrid');
    assert.equal(body.institution.twoFactorEnabled, true);
    assert.deepEqual(
      keysOf(response.json()).filter((k) => /password/i.test(k)),
      ['setPasswordLink'],
    );
    const listed = (await institutions()).find((i) => i.id === body.institution.id);
    assert.deepEqual(
      { staff: listed?.activeStaff, admins: listed?.activeAdministrators },
      { staff: 1, admins: 1 },
    );

    const [created] = await auditRowsOf(db, 'institution.create', body.institution.id);
    assert.equal(created?.institutionId, body.institution.id);
    assert.deepEqual(created.details, {
      after: { name: input.name, timeZone: 'Europe/Madrid', twoFactorEnabled: true },
    });
    const [adminRow] = await auditRowsOf(db, 'admin.user.create', body.firstAdmin.id);
    assert.deepEqual(adminRow?.details.after, {
      username: body.firstAdmin.username,
      displayName: 'Directora Médica',
      email: null,
      roles: ['institution_admin'],
      level: 'High',
    });
    assert.equal(adminRow.actorId, created.actorId);

    const password = strongPassword();
    const set = await app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token: tokenOfLink(body.setPasswordLink), newPassword: password },
    });
    assert.equal(set.statusCode, 200, set.body);
    const director = await signIn(app, { username: body.firstAdmin.username, password });
    const staff = await as(
      app,
      director.token,
      'GET',
      `/api/institutions/${body.institution.id}/admin/users`,
    );
    assert.equal(staff.statusCode, 200, staff.body);
    const [me] = staff.json<{ items: { id: string; roles: string[]; securityLevel: { name: string } }[] }>()
      .items;
    assert.deepEqual(
      { id: me?.id, roles: me?.roles, level: me?.securityLevel.name },
      { id: body.firstAdmin.id, roles: ['institution_admin'], level: 'High' },
    );
  });

  test('refuses a taken name or username, or an unknown time zone, creating nothing', async () => {
    const existing = await createTestUser(db, { institution: true });
    const [taken] = await institutions();
    const before = await institutions();
    for (const [bad, status] of [
      [newInstitution({ timeZone: 'Nowhere/Atlantis' }), 400],
      [newInstitution({ name: '   ' }), 400],
      [newInstitution({ firstAdmin: { username: 'bad name', displayName: 'X' } }), 400],
      [
        newInstitution({ firstAdmin: { username: uniqueUsername(), displayName: 'X', password: 'mine' } }),
        400,
      ],
      [newInstitution({ firstAdmin: undefined }), 400],
      [newInstitution({ firstAdmin: { username: existing.username, displayName: 'Someone' } }), 409],
      [newInstitution({ name: taken!.name }), 409],
    ] as const) {
      const response = await as(app, systemToken, 'POST', '/api/admin/institutions', bad);
      assert.equal(response.statusCode, status, `${JSON.stringify(bad)}: ${response.body}`);
    }
    assert.deepEqual(await institutions(), before);
  });
});

describe('who may manage institutions', () => {
  test('only a system administrator: 403 for institution administrators, 401 without a session', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const before = await institutions();
    for (const [method, payload] of [
      ['GET', undefined],
      ['POST', newInstitution()],
    ] as const) {
      const response = await as(app, admin.token, method, '/api/admin/institutions', payload);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(errorCode(response), 'forbidden');
      const anonymous = await app.inject({
        method,
        url: '/api/admin/institutions',
        ...(payload ? { payload } : {}),
      });
      assert.equal(anonymous.statusCode, 401);
    }
    assert.deepEqual(await institutions(), before);
  });
});

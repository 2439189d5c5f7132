import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { auditKeyFrom, AuditLog } from '../audit/log.ts';
import { SessionService } from '../auth/sessions/service.ts';
import { ReauthenticationGuard } from '../auth/step-up/guard.ts';
import { PostgresThrottleStore } from '../auth/throttle/postgres-store.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { loadTwoFactorKeyring } from '../twofactor/keys.ts';
import { TwoFactorService } from '../twofactor/service.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, strongPassword, uniqueUsername } from '../../test/users.ts';
import { StaffAdministration } from './staff-service.ts';
import {
  as,
  auditCount,
  auditRowsOf,
  keysOf,
  signedInMember,
  tokenOfLink,
  type SignedInMember,
} from './test-support.ts';

// Administration > Users/Doctors as an institution's administrators use it and as everyone else
// meets it: staff lists, people created with a one-time link, roles, level, export permission and
// access hours changed with optimistic concurrency and audited, and what nobody else may do.

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

interface Member {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: string[];
  securityLevel: { id: string; name: string };
  disabled: boolean;
  exportPermission: { granted: boolean; note: string | null; changedAt: string | null };
  accessHours: { mode: string; windows?: unknown[] };
  twoFactorEnabled: boolean;
  lastSignInAt: string | null;
  version: number;
}

const usersUrl = (iid: string): string => `/api/institutions/${iid}/admin/users`;
const userUrl = (iid: string, uid: string): string => `${usersUrl(iid)}/${uid}`;

async function memberOf(admin: SignedInMember, uid: string): Promise<Member> {
  const response = await as(app, admin.token, 'GET', userUrl(admin.institutionId, uid));
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Member>();
}

describe('the staff list', () => {
  test("shows the institution's people, and only them, with what an administrator needs", async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const doctor = await createTestUser(db, {
      institution: admin.institutionId,
      roles: ['doctor'],
      displayName: 'Dr. Ana Quiroga',
    });
    await signIn(app, doctor);
    const outsider = await createTestUser(db, { institution: true });

    const response = await as(app, admin.token, 'GET', usersUrl(admin.institutionId));
    assert.equal(response.statusCode, 200, response.body);
    const { items } = response.json<{ items: Member[] }>();
    assert.deepEqual(items.map((m) => m.id).sort(), [admin.id, doctor.id].sort());
    assert.ok(!items.some((m) => m.id === outsider.id));
    const listed = items.find((m) => m.id === doctor.id)!;
    assert.deepEqual(listed.roles, ['doctor']);
    assert.equal(listed.securityLevel.name, 'Standard');
    assert.equal(listed.disabled, false);
    assert.deepEqual(listed.exportPermission, { granted: false, note: null, changedAt: null });
    assert.deepEqual(listed.accessHours, { mode: 'always' });
    assert.equal(listed.twoFactorEnabled, false);
    assert.ok(listed.lastSignInAt !== null && Date.now() - Date.parse(listed.lastSignInAt) < 60_000);
    assert.ok(!keysOf(response.json()).some((k) => /password|hash|secret/i.test(k)));

    const found = await as(app, admin.token, 'GET', `${usersUrl(admin.institutionId)}?q=QUIROGA`);
    assert.deepEqual(
      found.json<{ items: Member[] }>().items.map((m) => m.id),
      [doctor.id],
    );
    const wildcard = await as(app, admin.token, 'GET', `${usersUrl(admin.institutionId)}?q=%25`);
    assert.deepEqual(wildcard.json<{ items: Member[] }>().items, [], '"%" is searched as text');
  });

  test('pages through the staff without repeating anyone', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    for (let i = 0; i < 3; i++) await createTestUser(db, { institution: admin.institutionId });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${usersUrl(admin.institutionId)}?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await as(app, admin.token, 'GET', url);
      assert.equal(response.statusCode, 200, response.body);
      const page = response.json<{
        items: Member[];
        nextCursor: string | null;
      }>();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen).size, 4);
  });
});

describe('creating a person', () => {
  test('gives a one-time link for them to choose their password; the administrator never sees one', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const username = uniqueUsername('new.doctor');
    const response = await as(app, admin.token, 'POST', usersUrl(admin.institutionId), {
      username,
      displayName: 'Dr. Nueva',
      email: 'nueva@clinic.example',
      roles: ['doctor', 'nurse'],
      level: 'High',
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json<{ user: Member; setPasswordLink: string }>();
    assert.equal(body.user.username, username);
    assert.deepEqual(body.user.roles, ['doctor', 'nurse']);
    assert.equal(body.user.securityLevel.name, 'High');
    assert.ok(body.setPasswordLink.startsWith(`${ward.config.server.publicUrl}/set-password#token=`));
    assert.deepEqual(
      keysOf(response.json()).filter((k) => /password/i.test(k)),
      ['setPasswordLink'],
      'no password in the answer',
    );
    const stored = await db
      .selectFrom('ward.users')
      .select('password_hash')
      .where('id', '=', body.user.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.password_hash, null, 'nobody has chosen a password yet');

    const [row] = await auditRowsOf(db, 'admin.user.create', body.user.id);
    assert.equal(row?.actorId, admin.id);
    assert.equal(row.institutionId, admin.institutionId);
    assert.deepEqual(row.details, {
      after: {
        username,
        displayName: 'Dr. Nueva',
        email: 'nueva@clinic.example',
        roles: ['doctor', 'nurse'],
        level: 'High',
      },
    });
    assert.ok(!JSON.stringify(row.details).includes(tokenOfLink(body.setPasswordLink)));

    const password = strongPassword();
    const token = tokenOfLink(body.setPasswordLink);
    const set = await app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token, newPassword: password },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal((await signIn(app, { username, password })).state, 'active');
    const again = await app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { token, newPassword: strongPassword() },
    });
    assert.equal(errorCode(again), 'invalid_token', 'the link works once');
  });

  test('refuses a username already in use anywhere in the deployment, creating nothing', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const elsewhere = await createTestUser(db, { institution: true });
    const audits = await auditCount(db, admin.institutionId);
    const response = await as(app, admin.token, 'POST', usersUrl(admin.institutionId), {
      username: elsewhere.username.toUpperCase(),
      displayName: 'Someone Else',
      roles: ['nurse'],
      level: 'Standard',
    });
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(errorCode(response), 'conflict');
    const members = await db
      .selectFrom('ward.memberships')
      .select('user_id')
      .where('institution_id', '=', admin.institutionId)
      .execute();
    assert.deepEqual(
      members.map((m) => m.user_id),
      [admin.id],
    );
    assert.equal(await auditCount(db, admin.institutionId), audits);
  });

  test('refuses unknown roles, levels and unreadable usernames, creating nothing', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const good = {
      username: uniqueUsername(),
      displayName: 'Valid Name',
      roles: ['nurse'],
      level: 'Standard',
    };
    for (const bad of [
      { ...good, roles: ['superuser'] },
      { ...good, roles: [] },
      { ...good, level: 'Lax' },
      { ...good, username: 'has space' },
      { ...good, username: 'x' },
      { ...good, displayName: '   ' },
      { ...good, email: 'not an address' },
      { ...good, password: 'chosen-by-admin' },
    ]) {
      const response = await as(app, admin.token, 'POST', usersUrl(admin.institutionId), bad);
      assert.equal(response.statusCode, 400, `${JSON.stringify(bad)}: ${response.body}`);
    }
    const count = await db
      .selectFrom('ward.memberships')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('institution_id', '=', admin.institutionId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  });
});

describe('changing a person', () => {
  test('roles, level, export permission and access hours, audited with before and after', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const nurse = await signedInMember(app, db, admin.institutionId, ['nurse']);
    const before = await memberOf(admin, nurse.id);
    const hours = {
      mode: 'within',
      windows: [
        { days: [1, 2, 3, 4, 5], start: '07:00', end: '19:00' },
        { days: [6], start: '22:00', end: '06:00' },
      ],
    };
    const response = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, nurse.id), {
      version: before.version,
      roles: ['nurse', 'administrative'],
      level: 'Maximum',
      exportPermission: { granted: true, note: 'anti-malware verified on 2026-11-20' },
      accessHours: hours,
    });
    assert.equal(response.statusCode, 200, response.body);
    const updated = response.json<Member>();
    assert.equal(updated.version, before.version + 1);
    assert.deepEqual(updated.roles, ['nurse', 'administrative']);
    assert.equal(updated.securityLevel.name, 'Maximum');
    assert.equal(updated.exportPermission.granted, true);
    assert.equal(updated.exportPermission.note, 'anti-malware verified on 2026-11-20');
    assert.ok(updated.exportPermission.changedAt !== null);
    assert.deepEqual(updated.accessHours, hours);
    assert.deepEqual(await memberOf(admin, nurse.id), { ...updated, lastSignInAt: updated.lastSignInAt });

    const rows = await auditRowsOf(db, 'admin.user.update', nurse.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.actorId, admin.id);
    assert.deepEqual(rows[0].details, {
      before: {
        roles: ['nurse'],
        level: 'Standard',
        exportPermission: { granted: false, note: null },
        accessHours: { mode: 'always' },
      },
      after: {
        roles: ['nurse', 'administrative'],
        level: 'Maximum',
        exportPermission: { granted: true, note: 'anti-malware verified on 2026-11-20' },
        accessHours: hours,
      },
      version: before.version + 1,
    });

    const unchanged = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, nurse.id), {
      version: updated.version,
      roles: ['administrative', 'nurse'],
      accessHours: hours,
    });
    assert.equal(unchanged.json<Member>().version, updated.version, 'the same values are no change');
    assert.equal((await auditRowsOf(db, 'admin.user.update', nurse.id)).length, 1);

    const withdrawn = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, nurse.id), {
      version: updated.version,
      exportPermission: { granted: false },
    });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    assert.deepEqual(
      (await auditRowsOf(db, 'admin.user.update', nurse.id))[1]?.details,
      {
        before: { exportPermission: { granted: true, note: 'anti-malware verified on 2026-11-20' } },
        after: { exportPermission: { granted: false, note: null } },
        version: updated.version + 1,
      },
      'only the changed field is recorded',
    );
  });

  test('refuses invalid changes and changes nothing', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const doctor = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
    const before = await memberOf(admin, doctor.id);
    const audits = await auditCount(db, admin.institutionId);
    const window = { days: [1], start: '08:00', end: '17:00' };
    for (const change of [
      { exportPermission: { granted: true } },
      { exportPermission: { granted: true, note: '   ' } },
      { accessHours: { mode: 'within', windows: [{ ...window, end: '08:00' }] } },
      { accessHours: { mode: 'within', windows: [{ ...window, start: '24:00' }] } },
      { accessHours: { mode: 'within', windows: [{ ...window, start: '8:00' }] } },
      { accessHours: { mode: 'within', windows: [{ ...window, days: [8] }] } },
      { accessHours: { mode: 'within', windows: [{ ...window, days: [0] }] } },
      { accessHours: { mode: 'within', windows: [{ ...window, days: [] }] } },
      { accessHours: { mode: 'outside', windows: Array.from({ length: 15 }, () => window) } },
      { accessHours: { mode: 'within', windows: [] } },
      { accessHours: { mode: 'sometimes' } },
      { roles: ['doctor', 'root'] },
      { roles: [] },
      { level: 'Nonexistent' },
      { disabled: true },
    ]) {
      const response = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, doctor.id), {
        version: before.version,
        ...change,
      });
      assert.equal(response.statusCode, 400, `${JSON.stringify(change)}: ${response.body}`);
    }
    const missingVersion = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, doctor.id), {
      roles: ['nurse'],
    });
    assert.equal(missingVersion.statusCode, 400);
    assert.deepEqual(await memberOf(admin, doctor.id), before);
    assert.equal(await auditCount(db, admin.institutionId), audits);

    const fourteen = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, doctor.id), {
      version: before.version,
      accessHours: { mode: 'outside', windows: Array.from({ length: 14 }, () => window) },
    });
    assert.equal(fourteen.statusCode, 200, 'fourteen windows are allowed');
  });

  test('refuses a stale version with 409 and keeps the newer change', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const doctor = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
    const read = await memberOf(admin, doctor.id);
    const first = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, doctor.id), {
      version: read.version,
      level: 'High',
    });
    assert.equal(first.statusCode, 200, first.body);
    const stale = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, doctor.id), {
      version: read.version,
      level: 'Maximum',
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(errorCode(stale), 'version_conflict');
    assert.equal(
      stale.json<{ error: { details: { currentVersion: number } } }>().error.details.currentVersion,
      read.version + 1,
    );
    assert.equal((await memberOf(admin, doctor.id)).securityLevel.name, 'High');
  });
});

describe('who may administer staff', () => {
  test('other roles get 403 on every staff route', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const target = await createTestUser(db, { institution: admin.institutionId, roles: ['nurse'] });
    const version = (await memberOf(admin, target.id)).version;
    const iid = admin.institutionId;
    for (const role of ['doctor', 'nurse', 'administrative', 'auditor'] as const) {
      const member = await signedInMember(app, db, iid, [role]);
      for (const [method, url, payload] of [
        ['GET', usersUrl(iid), undefined],
        ['GET', userUrl(iid, target.id), undefined],
        [
          'POST',
          usersUrl(iid),
          { username: uniqueUsername(), displayName: 'X Y', roles: ['doctor'], level: 'Standard' },
        ],
        ['PATCH', userUrl(iid, target.id), { version, roles: ['institution_admin'] }],
        ['PATCH', userUrl(iid, member.id), { version: 1, roles: ['institution_admin'] }],
        ['POST', `${userUrl(iid, target.id)}/disable`, undefined],
        ['POST', `${userUrl(iid, target.id)}/enable`, undefined],
        ['POST', `${userUrl(iid, target.id)}/2fa/reset`, undefined],
        ['POST', `${userUrl(iid, target.id)}/sessions/revoke`, undefined],
        ['POST', `${userUrl(iid, target.id)}/password-reset`, undefined],
        ['GET', `${userUrl(iid, target.id)}/sign-ins`, undefined],
      ] as const) {
        const response = await as(app, member.token, method, url, payload);
        assert.equal(response.statusCode, 403, `${role} ${method} ${url}: ${response.body}`);
        assert.equal(errorCode(response), 'forbidden');
      }
    }
    assert.deepEqual((await memberOf(admin, target.id)).roles, ['nurse']);
  });

  test("another institution's administrator finds nothing (404), and cannot reach its people", async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const other = await signedInMember(app, db, true, ['institution_admin']);
    const theirDoctor = await createTestUser(db, { institution: other.institutionId, roles: ['doctor'] });
    for (const [method, url] of [
      ['GET', usersUrl(other.institutionId)],
      ['GET', userUrl(other.institutionId, theirDoctor.id)],
      ['POST', `${userUrl(other.institutionId, theirDoctor.id)}/disable`],
    ] as const) {
      const response = await as(app, admin.token, method, url);
      assert.equal(response.statusCode, 404, `${method} ${url}`);
    }
    // Through their own institution's address, someone else's staff does not exist either.
    for (const [method, url, payload] of [
      ['GET', userUrl(admin.institutionId, theirDoctor.id), undefined],
      ['PATCH', userUrl(admin.institutionId, theirDoctor.id), { version: 1, roles: ['auditor'] }],
      ['POST', `${userUrl(admin.institutionId, theirDoctor.id)}/disable`, undefined],
      ['POST', `${userUrl(admin.institutionId, theirDoctor.id)}/password-reset`, undefined],
      ['POST', `${userUrl(admin.institutionId, theirDoctor.id)}/2fa/reset`, undefined],
      ['POST', `${userUrl(admin.institutionId, theirDoctor.id)}/sessions/revoke`, undefined],
      ['GET', `${userUrl(admin.institutionId, theirDoctor.id)}/sign-ins`, undefined],
    ] as const) {
      const response = await as(app, admin.token, method, url, payload);
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
    }
    assert.equal((await signIn(app, theirDoctor)).state, 'active', 'their doctor is untouched');
  });

  test('without a session: 401', async () => {
    const admin = await createTestUser(db, { institution: true, roles: ['institution_admin'] });
    const response = await app.inject({ method: 'GET', url: usersUrl(admin.institutionId!) });
    assert.equal(response.statusCode, 401);
  });
});

describe('the last administrator', () => {
  test('an administrator cannot change their own access, demote or disable themselves', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin', 'doctor']);
    await createTestUser(db, { institution: admin.institutionId, roles: ['institution_admin'] });
    const me = await memberOf(admin, admin.id);
    const audits = await auditCount(db, admin.institutionId);
    const demote = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, admin.id), {
      version: me.version,
      roles: ['doctor'],
    });
    assert.equal(demote.statusCode, 403);
    assert.match(demote.json<{ error: { message: string } }>().error.message, /your own roles/);
    const disable = await as(app, admin.token, 'POST', `${userUrl(admin.institutionId, admin.id)}/disable`);
    assert.equal(disable.statusCode, 409);
    assert.match(disable.json<{ error: { message: string } }>().error.message, /your own account/);
    assert.equal(await auditCount(db, admin.institutionId), audits);
    assert.deepEqual((await memberOf(admin, admin.id)).roles, ['institution_admin', 'doctor']);

    const otherChanges = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, admin.id), {
      version: me.version,
      roles: ['institution_admin'],
      level: 'Maximum',
    });
    assert.equal(otherChanges.statusCode, 403, 'separation of duties: another administrator changes it');
    for (const change of [
      { roles: ['institution_admin', 'doctor', 'auditor'] },
      { level: 'Standard' },
      { exportPermission: { granted: true, note: 'my own say-so' } },
      { accessHours: { mode: 'within', windows: [{ days: [1], start: '00:00', end: '23:00' }] } },
    ]) {
      const response = await as(app, admin.token, 'PATCH', userUrl(admin.institutionId, admin.id), {
        version: me.version,
        ...change,
      });
      assert.equal(response.statusCode, 403, JSON.stringify(change));
    }
    assert.equal(await auditCount(db, admin.institutionId), audits);
    const after = await memberOf(admin, admin.id);
    assert.deepEqual(after.roles, ['institution_admin', 'doctor']);
    assert.equal(after.version, me.version);
  });

  test('keeps the last active administrator, whoever asks', async () => {
    const admin = await createTestUser(db, { institution: true, roles: ['institution_admin'] });
    const iid = admin.institutionId!;
    const former = await createTestUser(db, { institution: iid, roles: ['auditor'] });
    const staff = new StaffAdministration({
      db,
      audit: new AuditLog(db, auditKeyFrom(ward.config.token.secret ?? '')),
      sessions: new SessionService(db, 'unused here'),
      twoFactor: new TwoFactorService({
        db,
        keyring: await loadTwoFactorKeyring(db, ward.config),
        featureEnabled: false,
        challengeKey: 'unused here',
        guard: new ReauthenticationGuard(new PostgresThrottleStore(db)),
      }),
      publicUrl: ward.config.server.publicUrl,
    });
    // As if `former` had still been an administrator when their request passed the permission check.
    const actor = { actorId: former.id, actorUsername: former.username, ip: '127.0.0.1', userAgent: null };
    const version = (
      await db
        .selectFrom('ward.memberships')
        .select('version')
        .where('institution_id', '=', iid)
        .where('user_id', '=', admin.id)
        .executeTakeFirstOrThrow()
    ).version;
    const lastAdministrator = (error: unknown): boolean =>
      error instanceof ApiError &&
      error.status === 409 &&
      (error.details as { reason?: string }).reason === 'last_administrator';
    await assert.rejects(
      staff.update(actor, iid, admin.id, { version, roles: ['doctor'] }),
      lastAdministrator,
    );
    await assert.rejects(staff.disable(actor, iid, admin.id), lastAdministrator);
    assert.equal((await signIn(app, admin)).state, 'active');
    assert.deepEqual(await auditRowsOf(db, 'admin.user.update', admin.id), []);
  });

  test('two administrators demoting each other at the same moment leave one administrator', async () => {
    const first = await signedInMember(app, db, true, ['institution_admin']);
    const second = await signedInMember(app, db, first.institutionId, ['institution_admin']);
    const [firstVersion, secondVersion] = [
      (await memberOf(first, first.id)).version,
      (await memberOf(first, second.id)).version,
    ];
    const results = await Promise.all([
      as(app, first.token, 'PATCH', userUrl(first.institutionId, second.id), {
        version: secondVersion,
        roles: ['auditor'],
      }),
      as(app, second.token, 'PATCH', userUrl(first.institutionId, first.id), {
        version: firstVersion,
        roles: ['auditor'],
      }),
    ]);
    const statuses = results.map((r) => r.statusCode).sort();
    assert.equal(statuses[0], 200, results.map((r) => r.body).join('\n'));
    assert.ok([403, 409].includes(statuses[1] ?? 0), `the other is refused: ${statuses.join(', ')}`);
    const admins = await db
      .selectFrom('ward.memberships')
      .select('user_id')
      .where('institution_id', '=', first.institutionId)
      .where(sql<boolean>`'institution_admin' = ANY (roles)`)
      .execute();
    assert.equal(admins.length, 1);
  });

  test('with two administrators, one may demote the other, who loses access at once', async () => {
    const first = await signedInMember(app, db, true, ['institution_admin']);
    const second = await signedInMember(app, db, first.institutionId, ['institution_admin']);
    const version = (await memberOf(first, second.id)).version;
    const demoted = await as(app, first.token, 'PATCH', userUrl(first.institutionId, second.id), {
      version,
      roles: ['auditor'],
    });
    assert.equal(demoted.statusCode, 200, demoted.body);
    assert.equal((await as(app, second.token, 'GET', usersUrl(first.institutionId))).statusCode, 403);
    assert.deepEqual((await auditRowsOf(db, 'admin.user.update', second.id))[0]?.details, {
      before: { roles: ['institution_admin'] },
      after: { roles: ['auditor'] },
      version: version + 1,
    });
    // Sign-in still works for the demoted person: they are staff, just not an administrator.
    assert.equal((await login(app, second)).statusCode, 200);
  });
});

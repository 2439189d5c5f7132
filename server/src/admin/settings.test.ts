import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode } from '../../test/sign-in.ts';
import { ownerDb } from '../../test/users.ts';
import { as, auditCount, auditRowsOf, signedInMember } from './test-support.ts';

// An institution's settings and security levels as its administrators change them: versioned,
// validated, audited with before and after, and out of reach of every other role and institution.

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

interface Settings {
  id: string;
  version: number;
  name: string;
  timeZone: string;
  twoFactorEnabled: boolean;
  justifiedAccessHours: number;
  nursesWriteNotes: boolean;
  careRelationshipDays: number;
}

interface Level {
  id: string;
  name: string;
  version: number;
  minLength: number;
  historyCount: number;
  maxAgeDays: number;
  requireSecondFactor: boolean;
  idleTimeoutMinutes: number;
  absoluteTimeoutMinutes: number;
  compositionRequired: boolean;
}

const settingsUrl = (iid: string): string => `/api/institutions/${iid}/settings`;
const levelsUrl = (iid: string): string => `/api/institutions/${iid}/security-levels`;

async function settingsOf(token: string, iid: string): Promise<Settings> {
  const response = await as(app, token, 'GET', settingsUrl(iid));
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Settings>();
}

async function levelsOf(token: string, iid: string): Promise<Level[]> {
  const response = await as(app, token, 'GET', levelsUrl(iid));
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Level[] }>().items;
}

/** What a PUT sends back: everything but the identifiers. */
function levelBody(level: Level): Omit<Level, 'id' | 'name'> {
  return {
    version: level.version,
    minLength: level.minLength,
    historyCount: level.historyCount,
    maxAgeDays: level.maxAgeDays,
    requireSecondFactor: level.requireSecondFactor,
    idleTimeoutMinutes: level.idleTimeoutMinutes,
    absoluteTimeoutMinutes: level.absoluteTimeoutMinutes,
    compositionRequired: level.compositionRequired,
  };
}

function settingsBody(settings: Settings): Omit<Settings, 'id'> {
  return {
    version: settings.version,
    name: settings.name,
    timeZone: settings.timeZone,
    twoFactorEnabled: settings.twoFactorEnabled,
    justifiedAccessHours: settings.justifiedAccessHours,
    nursesWriteNotes: settings.nursesWriteNotes,
    careRelationshipDays: settings.careRelationshipDays,
  };
}

describe('institution settings', () => {
  test('are changed with the version read, and the change is audited with before and after', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const before = await settingsOf(admin.token, admin.institutionId);
    assert.equal(before.timeZone, 'UTC');
    const body = settingsBody(before);
    const response = await as(app, admin.token, 'PUT', settingsUrl(admin.institutionId), {
      ...body,
      timeZone: 'America/Bogota',
      nursesWriteNotes: false,
      careRelationshipDays: 60,
    });
    assert.equal(response.statusCode, 200, response.body);
    const after = response.json<Settings>();
    assert.equal(after.version, before.version + 1);
    assert.deepEqual(await settingsOf(admin.token, admin.institutionId), after);
    const [row] = await auditRowsOf(db, 'institution.settings.update', admin.institutionId);
    assert.equal(row?.actorId, admin.id);
    assert.deepEqual(row.details, {
      before: { timeZone: 'UTC', nursesWriteNotes: true, careRelationshipDays: 30 },
      after: {
        timeZone: 'America/Bogota',
        nursesWriteNotes: false,
        careRelationshipDays: 60,
      },
      version: before.version + 1,
    });
  });

  test('refuses invalid values and stale versions, changing nothing', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const current = await settingsOf(admin.token, admin.institutionId);
    const body = settingsBody(current);
    const audits = await auditCount(db, admin.institutionId);
    for (const bad of [
      { ...body, timeZone: 'Mars/Olympus_Mons' },
      { ...body, timeZone: 'GMT+3' },
      { ...body, name: '  ' },
      { ...body, careRelationshipDays: 0 },
      { ...body, careRelationshipDays: 366 },
      { ...body, justifiedAccessHours: 169 },
      { ...body, twoFactorEnabled: 'yes' },
      { ...body, version: undefined },
      { ...body, extra: true },
    ]) {
      const response = await as(app, admin.token, 'PUT', settingsUrl(admin.institutionId), bad);
      assert.equal(response.statusCode, 400, `${JSON.stringify(bad)}: ${response.body}`);
    }
    const stale = await as(app, admin.token, 'PUT', settingsUrl(admin.institutionId), {
      ...body,
      version: current.version + 1,
      name: 'Renamed',
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(errorCode(stale), 'version_conflict');
    assert.deepEqual(await settingsOf(admin.token, admin.institutionId), current);
    assert.equal(await auditCount(db, admin.institutionId), audits);
  });

  test("refuses another institution's name", async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const other = await signedInMember(app, db, true, ['institution_admin']);
    const theirs = await settingsOf(other.token, other.institutionId);
    const body = settingsBody(await settingsOf(admin.token, admin.institutionId));
    const response = await as(app, admin.token, 'PUT', settingsUrl(admin.institutionId), {
      ...body,
      name: theirs.name.toUpperCase(),
    });
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(errorCode(response), 'conflict');
  });
});

describe('security levels', () => {
  test('list the three defaults; thresholds are changed and audited, and apply to the people at that level', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const levels = await levelsOf(admin.token, admin.institutionId);
    assert.deepEqual(
      levels.map((l) => l.name),
      ['Standard', 'High', 'Maximum'],
    );
    const standard = levels[0]!;
    const response = await as(app, admin.token, 'PUT', `${levelsUrl(admin.institutionId)}/${standard.id}`, {
      ...levelBody(standard),
      minLength: 14,
      maxAgeDays: 90,
      idleTimeoutMinutes: 20,
    });
    assert.equal(response.statusCode, 200, response.body);
    const changed = response.json<Level>();
    assert.equal(changed.version, standard.version + 1);
    assert.equal(changed.minLength, 14);
    const [row] = await auditRowsOf(db, 'security_level.update', standard.id);
    assert.equal(row?.actorId, admin.id);
    assert.equal(row.institutionId, admin.institutionId);
    assert.deepEqual(row.details, {
      level: 'Standard',
      before: { minLength: standard.minLength, maxAgeDays: 0, idleTimeoutMinutes: 30 },
      after: { minLength: 14, maxAgeDays: 90, idleTimeoutMinutes: 20 },
      version: standard.version + 1,
    });

    // The administrator is at the Standard level: the page for changing a password says so now.
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(admin.token) });
    const requirements = me.json<{ passwordRequirements: { minLength: number; maxAgeDays: number } }>()
      .passwordRequirements;
    assert.ok(requirements.minLength >= 14, JSON.stringify(requirements));
    assert.equal(requirements.maxAgeDays, 90);
  });

  test('refuses thresholds out of bounds and stale versions, changing nothing', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const [level] = await levelsOf(admin.token, admin.institutionId);
    const body = levelBody(level!);
    const url = `${levelsUrl(admin.institutionId)}/${level!.id}`;
    const audits = await auditCount(db, admin.institutionId);
    for (const bad of [
      { ...body, minLength: 7 },
      { ...body, minLength: 65 },
      { ...body, historyCount: -1 },
      { ...body, historyCount: 25 },
      { ...body, maxAgeDays: 3651 },
      { ...body, idleTimeoutMinutes: 0 },
      { ...body, absoluteTimeoutMinutes: 10081 },
      { ...body, idleTimeoutMinutes: 120, absoluteTimeoutMinutes: 60 },
      { ...body, requireSecondFactor: 'true' },
      { ...body, name: 'Renamed' },
    ]) {
      const response = await as(app, admin.token, 'PUT', url, bad);
      assert.equal(response.statusCode, 400, `${JSON.stringify(bad)}: ${response.body}`);
    }
    const stale = await as(app, admin.token, 'PUT', url, {
      ...body,
      version: body.version + 1,
      minLength: 20,
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(errorCode(stale), 'version_conflict');
    assert.deepEqual((await levelsOf(admin.token, admin.institutionId))[0], level);
    assert.equal(await auditCount(db, admin.institutionId), audits);
  });

  test("another institution's level is not found", async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const other = await signedInMember(app, db, true, ['institution_admin']);
    const [theirs] = await levelsOf(other.token, other.institutionId);
    const response = await as(app, admin.token, 'PUT', `${levelsUrl(admin.institutionId)}/${theirs!.id}`, {
      ...levelBody(theirs!),
      minLength: 30,
    });
    assert.equal(response.statusCode, 404);
    assert.deepEqual((await levelsOf(other.token, other.institutionId))[0], theirs);
  });
});

describe('who may change institution settings', () => {
  test('other roles get 403; other institutions 404', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const settings = await settingsOf(admin.token, admin.institutionId);
    const body = settingsBody(settings);
    const [level] = await levelsOf(admin.token, admin.institutionId);
    const iid = admin.institutionId;
    const requests = [
      ['GET', settingsUrl(iid), undefined],
      ['PUT', settingsUrl(iid), { ...body, nursesWriteNotes: false }],
      ['GET', levelsUrl(iid), undefined],
      ['PUT', `${levelsUrl(iid)}/${level!.id}`, { ...levelBody(level!), minLength: 9 }],
    ] as const;
    for (const role of ['doctor', 'nurse', 'administrative', 'auditor'] as const) {
      const member = await signedInMember(app, db, iid, [role]);
      for (const [method, url, payload] of requests) {
        const response = await as(app, member.token, method, url, payload);
        assert.equal(response.statusCode, 403, `${role} ${method} ${url}`);
      }
    }
    const outsider = await signedInMember(app, db, true, ['institution_admin']);
    for (const [method, url, payload] of requests) {
      const response = await as(app, outsider.token, method, url, payload);
      assert.equal(response.statusCode, 404, `outsider ${method} ${url}`);
    }
    assert.deepEqual(await settingsOf(admin.token, iid), settings);
    assert.deepEqual((await levelsOf(admin.token, iid))[0], level);
  });
});

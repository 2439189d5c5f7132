import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { INSTITUTION_ROLES, type InstitutionRole } from '../identity/roles.ts';
import {
  createPatient,
  demographics,
  errorOf,
  insertDraftNote,
  insertEncounter,
  insertJustification,
  noteText,
  signedInMember,
  type Member,
} from '../patients/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';

// The permission matrix as a member of each role meets it: every route under
// /api/institutions/:iid, enumerated from the running app (a route added without a row here fails
// the first test), called once per role. Allowed requests succeed; denied ones are 403 `forbidden`;
// other institutions' ids, and ids that exist nowhere, are indistinguishable 404s.

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

const INSTITUTION_PREFIX = '/api/institutions/:iid';

/**
 * Every `METHOD path` the app serves, read from Fastify's own route tree (`printRoutes` with full
 * segments), so nothing registered can be missed.
 */
function registeredRoutes(instance: WardApp): string[] {
  const tree = instance.printRoutes({ commonPrefix: false });
  const pathAtDepth: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (depth === 0 ? '' : (pathAtDepth[depth - 1] ?? '')) + (match[2] ?? '');
    pathAtDepth[depth] = path;
    pathAtDepth.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push(`${method} ${path}`);
  }
  return routes;
}

/** What each role's member has made ready in the institution, so its allowed requests can succeed. */
interface Fixture {
  readonly patientId: string;
  /** The member's own encounter with the patient (their care relationship), or a doctor's. */
  readonly encounterId: string;
  /** A draft note the member wrote (for roles that write notes), or a doctor's. */
  readonly noteId: string;
  /** A member of the institution that staff-management requests may act on. */
  readonly staffUserId: string;
}

interface RouteCase {
  /** Roles whose members may make this request (the expected matrix, stated independently of the code). */
  readonly allowed: readonly InstitutionRole[];
  /**
   * Status of an allowed request, or `not_forbidden` for routes of other features whose own tests
   * check what they do: here only the permission layer is checked (allowed → not 403 forbidden).
   */
  readonly status: number | 'not_forbidden';
  request(
    member: Member,
    f: Fixture,
  ): Promise<{ url: string; body?: unknown; headers?: Record<string, string> }>;
}

const CLINICAL: readonly InstitutionRole[] = ['doctor', 'nurse'];
const DEMOGRAPHICS: readonly InstitutionRole[] = ['doctor', 'nurse', 'administrative'];
const DEMOGRAPHICS_WRITE: readonly InstitutionRole[] = ['doctor', 'administrative'];
const OVERSIGHT: readonly InstitutionRole[] = ['auditor', 'institution_admin'];

let doctorOfA: Member;

async function currentVersion(institutionId: string, patientId: string): Promise<number> {
  const row = await db
    .selectFrom('ward.patients')
    .select('version')
    .where('institution_id', '=', institutionId)
    .where('id', '=', patientId)
    .executeTakeFirstOrThrow();
  return row.version;
}

/** One row per route: add one here when a route is added under /api/institutions/:iid. */
const ROUTES: Readonly<Record<string, RouteCase>> = {
  'GET /api/institutions/:iid/patients': {
    allowed: DEMOGRAPHICS,
    status: 200,
    request: async (m) => ({ url: `${m.base}/patients?q=perm` }),
  },
  'POST /api/institutions/:iid/patients': {
    allowed: DEMOGRAPHICS_WRITE,
    status: 201,
    request: async (m) => ({ url: `${m.base}/patients`, body: demographics({ familyName: 'Permcreated' }) }),
  },
  'GET /api/institutions/:iid/patients/:pid': {
    allowed: DEMOGRAPHICS,
    status: 200,
    request: async (m, f) => ({ url: `${m.base}/patients/${f.patientId}` }),
  },
  'PUT /api/institutions/:iid/patients/:pid': {
    allowed: DEMOGRAPHICS_WRITE,
    status: 200,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}`,
      body: demographics({ familyName: 'Permission', identifierValue: `PERM-${f.patientId}` }),
      headers: { 'if-match': `"${String(await currentVersion(m.institutionId, f.patientId))}"` },
    }),
  },
  'POST /api/institutions/:iid/patients/:pid/access': {
    allowed: CLINICAL,
    status: 201,
    request: async (m, f) => ({ url: `${m.base}/patients/${f.patientId}/access`, body: { reason: 'audit' } }),
  },
  'GET /api/institutions/:iid/patients/:pid/record': {
    allowed: CLINICAL,
    status: 200,
    request: async (m, f) => ({ url: `${m.base}/patients/${f.patientId}/record` }),
  },
  'GET /api/institutions/:iid/patients/:pid/encounters': {
    allowed: CLINICAL,
    status: 200,
    request: async (m, f) => ({ url: `${m.base}/patients/${f.patientId}/encounters` }),
  },
  'POST /api/institutions/:iid/patients/:pid/encounters': {
    allowed: CLINICAL,
    status: 201,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}/encounters`,
      body: { type: 'home', reason: 'Home visit' },
    }),
  },
  'POST /api/institutions/:iid/patients/:pid/encounters/:eid/notes': {
    allowed: CLINICAL,
    status: 201,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}/encounters/${f.encounterId}/notes`,
      body: noteText('matrix'),
    }),
  },
  'PUT /api/institutions/:iid/patients/:pid/encounters/:eid/notes/:nid': {
    allowed: CLINICAL,
    status: 200,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}/encounters/${f.encounterId}/notes/${f.noteId}`,
      body: { ...noteText('matrix edit'), version: 1 },
    }),
  },
  'POST /api/institutions/:iid/patients/:pid/encounters/:eid/diagnoses': {
    allowed: ['doctor'],
    status: 201,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}/encounters/${f.encounterId}/diagnoses`,
      body: { code: 'J06.9', description: 'Upper respiratory infection' },
    }),
  },
  'POST /api/institutions/:iid/patients/:pid/allergies': {
    allowed: CLINICAL,
    status: 201,
    request: async (m, f) => ({
      url: `${m.base}/patients/${f.patientId}/allergies`,
      body: { substance: 'Penicillin', severity: 'severe' },
    }),
  },
  'GET /api/institutions/:iid/audit': {
    allowed: OVERSIGHT,
    status: 200,
    request: async (m) => ({ url: `${m.base}/audit?limit=5` }),
  },
  'GET /api/institutions/:iid/access-justifications': {
    allowed: OVERSIGHT,
    status: 200,
    request: async (m) => ({ url: `${m.base}/access-justifications?unreviewed=true` }),
  },
  'POST /api/institutions/:iid/access-justifications/:jid/review': {
    allowed: OVERSIGHT,
    status: 200,
    request: async (m, f) => {
      const jid = await insertJustification(db, {
        institutionId: m.institutionId,
        patientId: f.patientId,
        userId: doctorOfA.user.id,
      });
      return { url: `${m.base}/access-justifications/${jid}/review` };
    },
  },

  // Routes of other features: the permission layer only.
  'GET /api/institutions/:iid/admin/users': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/admin/users` }),
  },
  'POST /api/institutions/:iid/admin/users': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/admin/users`, body: {} }),
  },
  'GET /api/institutions/:iid/admin/users/:uid': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}` }),
  },
  'PATCH /api/institutions/:iid/admin/users/:uid': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}`, body: { unknownField: 1 } }),
  },
  'GET /api/institutions/:iid/admin/users/:uid/sign-ins': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/sign-ins` }),
  },
  'POST /api/institutions/:iid/admin/users/:uid/2fa/reset': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/2fa/reset` }),
  },
  'POST /api/institutions/:iid/admin/users/:uid/disable': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/disable` }),
  },
  'POST /api/institutions/:iid/admin/users/:uid/enable': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/enable` }),
  },
  'POST /api/institutions/:iid/admin/users/:uid/password-reset': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/password-reset` }),
  },
  'POST /api/institutions/:iid/admin/users/:uid/sessions/revoke': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m, f) => ({ url: `${m.base}/admin/users/${f.staffUserId}/sessions/revoke` }),
  },
  'GET /api/institutions/:iid/settings': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/settings` }),
  },
  'PUT /api/institutions/:iid/settings': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/settings`, body: {} }),
  },
  'GET /api/institutions/:iid/security-levels': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/security-levels` }),
  },
  'PUT /api/institutions/:iid/security-levels/:levelId': {
    allowed: ['institution_admin'],
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/security-levels/${randomUUID()}`, body: {} }),
  },
  'GET /api/institutions/:iid/exports/patients': {
    allowed: DEMOGRAPHICS,
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/exports/patients?format=csv` }),
  },
  'GET /api/institutions/:iid/exports/encounters': {
    // Export of clinical data also needs a clinical role (checked by the export route itself).
    allowed: CLINICAL,
    status: 'not_forbidden',
    request: async (m) => ({ url: `${m.base}/exports/encounters?format=csv` }),
  },
};

/** `GET` rows answer `HEAD` too, with the same permission. */
function caseFor(route: string): RouteCase | undefined {
  return ROUTES[route.startsWith('HEAD ') ? route.replace(/^HEAD /, 'GET ') : route];
}

function send(
  member: Member | undefined,
  method: string,
  request: { url: string; body?: unknown; headers?: Record<string, string> },
): Promise<LightMyRequestResponse> {
  if (!member) {
    return app.inject({
      method: method as 'GET',
      url: request.url,
      ...(request.body === undefined ? {} : { payload: request.body as Record<string, unknown> }),
    });
  }
  return member.request(method as 'GET', request.url, {
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.headers === undefined ? {} : { headers: request.headers }),
  });
}

describe('the permission matrix', () => {
  const members = new Map<InstitutionRole, Member>();
  const fixtures = new Map<InstitutionRole, Fixture>();
  let patientId: string;

  before(async () => {
    doctorOfA = await signedInMember(app, db, true, ['doctor']);
    members.set('doctor', doctorOfA);
    const others = INSTITUTION_ROLES.filter((role) => role !== 'doctor');
    const signedIn = await Promise.all(
      others.map((role) => signedInMember(app, db, doctorOfA.institutionId, [role])),
    );
    others.forEach((role, i) => {
      const member = signedIn[i];
      assert.ok(member);
      members.set(role, member);
    });
    patientId = (await createPatient(doctorOfA, { familyName: 'Permtarget' })).id;
    const iid = doctorOfA.institutionId;
    const doctorsEncounter = await insertEncounter(db, {
      institutionId: iid,
      patientId,
      authorId: doctorOfA.user.id,
    });
    const staff = await signedInMember(app, db, iid, ['nurse']);
    for (const [role, member] of members) {
      const clinical = CLINICAL.includes(role);
      const encounterId =
        role === 'doctor' || !clinical
          ? doctorsEncounter
          : await insertEncounter(db, { institutionId: iid, patientId, authorId: member.user.id });
      const noteId = await insertDraftNote(db, {
        institutionId: iid,
        patientId,
        encounterId,
        authorId: clinical ? member.user.id : doctorOfA.user.id,
      });
      fixtures.set(role, { patientId, encounterId, noteId, staffUserId: staff.user.id });
    }
  });

  test('every route under /api/institutions/:iid has a row in this test, and every row a route', () => {
    const registered = registeredRoutes(app)
      .filter((r) => r.split(' ')[1]?.startsWith(INSTITUTION_PREFIX))
      .filter((r) => !r.startsWith('HEAD '));
    assert.deepEqual([...new Set(registered)].sort(), Object.keys(ROUTES).sort());
  });

  test('every HEAD route is the GET route of a row', () => {
    const heads = registeredRoutes(app).filter(
      (r) => r.startsWith('HEAD ') && r.split(' ')[1]?.startsWith(INSTITUTION_PREFIX),
    );
    assert.ok(heads.length > 0);
    for (const head of heads) assert.ok(caseFor(head), `${head} has no GET row`);
  });

  for (const role of INSTITUTION_ROLES) {
    test(`a member whose only role is ${role}: allowed requests succeed, the others are 403 forbidden`, async () => {
      const member = members.get(role);
      const fixture = fixtures.get(role);
      assert.ok(member && fixture);
      const routes = registeredRoutes(app).filter((r) => r.split(' ')[1]?.startsWith(INSTITUTION_PREFIX));
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const route of [...new Set(routes)].sort()) {
        const row = caseFor(route);
        assert.ok(row, `no row for ${route}`);
        const [method = ''] = route.split(' ');
        const allowed = row.allowed.includes(role);
        const response = await send(member, method, await row.request(member, fixture));
        const head = method === 'HEAD';
        const code = head || response.statusCode < 400 ? '' : ` ${errorOf(response)}`;
        const denial = head ? '403' : '403 forbidden';
        let outcome = `${String(response.statusCode)}${code}`;
        let expectation: string;
        if (!allowed) expectation = denial;
        else if (row.status !== 'not_forbidden') expectation = String(head ? 200 : row.status);
        else {
          // A HEAD answer has no body to tell `forbidden` from another 403 (such as a step-up).
          expectation = 'not forbidden';
          if (head || outcome !== denial) outcome = expectation;
        }
        outcomes.push(`${route} → ${outcome}`);
        expected.push(`${route} → ${expectation}`);
      }
      assert.deepEqual(outcomes, expected);
    });
  }

  test('without a session every institution route is 401, before any permission or id is looked at', async () => {
    const member = members.get('doctor');
    const fixture = fixtures.get('doctor');
    assert.ok(member && fixture);
    for (const [route, row] of Object.entries(ROUTES)) {
      const [method = ''] = route.split(' ');
      const response = await send(undefined, method, await row.request(member, fixture));
      assert.equal(response.statusCode, 401, route);
      assert.equal(errorOf(response), 'unauthenticated', route);
    }
  });

  test('a member holding several roles may do what any of them allows, and no more', async () => {
    const member = await signedInMember(app, db, doctorOfA.institutionId, ['administrative', 'auditor']);
    assert.equal((await member.request('GET', '/patients?q=perm')).statusCode, 200);
    assert.equal((await member.request('GET', '/audit')).statusCode, 200);
    const record = await member.request('GET', `/patients/${patientId}/record`);
    assert.equal(record.statusCode, 403);
    assert.equal(errorOf(record), 'forbidden');
  });

  test('a change of roles or a disabled membership applies to the very next request', async () => {
    const member = await signedInMember(app, db, doctorOfA.institutionId, ['auditor']);
    assert.equal((await member.request('GET', '/patients?q=perm')).statusCode, 403);
    await db
      .updateTable('ward.memberships')
      .set({ roles: ['administrative'] })
      .where('user_id', '=', member.user.id)
      .execute();
    assert.equal((await member.request('GET', '/patients?q=perm')).statusCode, 200);
    assert.equal((await member.request('GET', '/audit')).statusCode, 403);
    await db
      .updateTable('ward.memberships')
      .set({ disabled_at: new Date() })
      .where('user_id', '=', member.user.id)
      .execute();
    const response = await member.request('GET', '/patients?q=perm');
    assert.equal(response.statusCode, 404);
    assert.equal(errorOf(response), 'not_found');
  });
});

describe("nurses' notes follow the institution's setting", () => {
  let nurse: Member;
  let patientId: string;
  let encounterId: string;

  async function setNursesWriteNotes(value: boolean): Promise<void> {
    await db
      .updateTable('ward.institutions')
      .set({ nurses_write_notes: value })
      .where('id', '=', nurse.institutionId)
      .execute();
  }

  before(async () => {
    const doctor = await signedInMember(app, db, true, ['doctor']);
    nurse = await signedInMember(app, db, doctor.institutionId, ['nurse']);
    patientId = (await createPatient(doctor)).id;
    encounterId = await insertEncounter(db, {
      institutionId: nurse.institutionId,
      patientId,
      authorId: nurse.user.id,
    });
  });

  test('when the institution does not let nurses write notes, a nurse cannot write or edit one', async () => {
    const draft = await insertDraftNote(db, {
      institutionId: nurse.institutionId,
      patientId,
      encounterId,
      authorId: nurse.user.id,
    });
    await setNursesWriteNotes(false);
    const notes = `/patients/${patientId}/encounters/${encounterId}/notes`;
    const write = await nurse.request('POST', notes, { body: noteText('nurse') });
    assert.equal(write.statusCode, 403);
    assert.equal(errorOf(write), 'forbidden');
    const edit = await nurse.request('PUT', `${notes}/${draft}`, {
      body: { ...noteText('nurse'), version: 1 },
    });
    assert.equal(edit.statusCode, 403);
    assert.equal(errorOf(edit), 'forbidden');
    // The rest of a nurse's work is untouched.
    assert.equal((await nurse.request('GET', `/patients/${patientId}/record`)).statusCode, 200);
    const allergy = await nurse.request('POST', `/patients/${patientId}/allergies`, {
      body: { substance: 'Latex', severity: 'moderate' },
    });
    assert.equal(allergy.statusCode, 201);
  });

  test('when it does, the same nurse can, at once', async () => {
    await setNursesWriteNotes(true);
    const write = await nurse.request('POST', `/patients/${patientId}/encounters/${encounterId}/notes`, {
      body: noteText('nurse'),
    });
    assert.equal(write.statusCode, 201, write.body);
  });
});

describe("another institution's ids", () => {
  // A member of A holding every role, so that only the institution boundary can refuse.
  let memberOfA: Member;
  let memberOfB: Member;
  const a = { patientId: '', encounterId: '', noteId: '', justificationId: '' };
  const b = { patientId: '', encounterId: '', noteId: '', justificationId: '' };

  before(async () => {
    memberOfA = await signedInMember(app, db, true, [...INSTITUTION_ROLES]);
    memberOfB = await signedInMember(app, db, true, [...INSTITUTION_ROLES]);
    for (const [member, ids] of [
      [memberOfA, a],
      [memberOfB, b],
    ] as const) {
      ids.patientId = (await createPatient(member, { familyName: 'Boundary' })).id;
      ids.encounterId = await insertEncounter(db, {
        institutionId: member.institutionId,
        patientId: ids.patientId,
        authorId: member.user.id,
      });
      ids.noteId = await insertDraftNote(db, {
        institutionId: member.institutionId,
        patientId: ids.patientId,
        encounterId: ids.encounterId,
        authorId: member.user.id,
      });
      ids.justificationId = await insertJustification(db, {
        institutionId: member.institutionId,
        patientId: ids.patientId,
        userId: member.user.id,
      });
    }
  });

  /** Every route with its ids filled in from `ids`, under institution `iid`. */
  function requests(
    iid: string,
    ids: typeof a,
  ): { route: string; method: string; url: string; body?: unknown }[] {
    return Object.keys(ROUTES).map((route) => {
      const [method = '', template = ''] = route.split(' ');
      const url = template
        .replace(':iid', iid)
        .replace(':pid', ids.patientId)
        .replace(':eid', ids.encounterId)
        .replace(':nid', ids.noteId)
        .replace(':jid', ids.justificationId);
      const bodies: Record<string, unknown> = {
        'POST /api/institutions/:iid/patients': demographics(),
        'PUT /api/institutions/:iid/patients/:pid': { ...demographics(), version: 1 },
        'POST /api/institutions/:iid/patients/:pid/access': { reason: 'emergency' },
        'POST /api/institutions/:iid/patients/:pid/encounters': { type: 'outpatient', reason: 'Visit' },
        'POST /api/institutions/:iid/patients/:pid/encounters/:eid/notes': noteText('boundary'),
        'PUT /api/institutions/:iid/patients/:pid/encounters/:eid/notes/:nid': {
          ...noteText('boundary'),
          version: 1,
        },
        'POST /api/institutions/:iid/patients/:pid/encounters/:eid/diagnoses': {
          code: 'R51',
          description: 'Headache',
        },
        'POST /api/institutions/:iid/patients/:pid/allergies': { substance: 'Aspirin', severity: 'mild' },
      };
      return { route, method, url, body: bodies[route] };
    });
  }

  async function answers(
    member: Member,
    list: { route: string; method: string; url: string; body?: unknown }[],
  ): Promise<string[]> {
    const out: string[] = [];
    for (const r of list) {
      const response = await send(member, r.method, r);
      out.push(`${r.route} → ${String(response.statusCode)} ${response.body}`);
    }
    return out;
  }

  test("a member of A using A's ids under B's iid gets the same 404 as for an institution that does not exist", async () => {
    const underB = await answers(memberOfA, requests(memberOfB.institutionId, a));
    const underNowhere = await answers(memberOfA, requests(randomUUID(), a));
    assert.deepEqual(underB, underNowhere);
    for (const line of underB) assert.match(line, / → 404 \{"error":\{"code":"not_found"/u);
  });

  test("B's patient, encounter, note and justification ids under A's iid are 404, exactly like random ids", async () => {
    const withIds = requests(memberOfA.institutionId, b).filter((r) => /:(pid|jid)/u.test(r.route));
    const random = {
      patientId: randomUUID(),
      encounterId: randomUUID(),
      noteId: randomUUID(),
      justificationId: randomUUID(),
    };
    const withRandom = requests(memberOfA.institutionId, random).filter((r) => /:(pid|jid)/u.test(r.route));
    assert.ok(withIds.length >= 10);
    const answersForB = await answers(memberOfA, withIds);
    assert.deepEqual(answersForB, await answers(memberOfA, withRandom));
    for (const line of answersForB) assert.match(line, / → 404 \{"error":\{"code":"not_found"/u);
  });

  test("A's own patient with B's encounter or note ids is 404", async () => {
    const mixed = requests(memberOfA.institutionId, {
      ...a,
      encounterId: b.encounterId,
      noteId: b.noteId,
    }).filter((r) => r.route.includes(':eid'));
    assert.equal(mixed.length, 3);
    for (const line of await answers(memberOfA, mixed)) assert.match(line, / → 404 /u);
    const foreignNote = requests(memberOfA.institutionId, { ...a, noteId: b.noteId }).filter((r) =>
      r.route.includes(':nid'),
    );
    for (const line of await answers(memberOfA, foreignNote)) assert.match(line, / → 404 /u);
  });

  test("nothing of B's shows through A's lists: search, audit, justifications", async () => {
    const search = await memberOfA.request('GET', '/patients?q=boundary&limit=100');
    const ids = search.json<{ items: { id: string }[] }>().items.map((p) => p.id);
    assert.ok(ids.includes(a.patientId));
    assert.ok(!ids.includes(b.patientId));
    const audit = await memberOfA.request('GET', '/audit?limit=500');
    assert.ok(!audit.body.includes(b.patientId));
    assert.ok(!audit.body.includes(memberOfB.user.id));
    const justifications = await memberOfA.request('GET', '/access-justifications');
    assert.ok(justifications.body.includes(a.justificationId));
    assert.ok(!justifications.body.includes(b.justificationId));
    // And B's records were left as they were.
    const note = await db
      .selectFrom('ward.clinical_notes')
      .select(['version', 'subjective'])
      .where('id', '=', b.noteId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(note, { version: 1, subjective: noteText('imported draft').subjective });
  });
});

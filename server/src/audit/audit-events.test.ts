import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import {
  createPatient,
  errorOf,
  noteText,
  signedInMember,
  TEST_USER_AGENT,
  type Member,
  type PatientJson,
} from '../patients/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { login } from '../../test/sign-in.ts';
import { ownerDb } from '../../test/users.ts';

// The audit trail as an auditor reads it and as a privacy officer fears it: every clinical action
// and sign-in leaves a row saying who, where from, with what client, in which institution and with
// what outcome; and no row ever holds clinical text, personal details or a secret.

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

type AuditRow = Selectable<AuditEventsTable>;

/** Where the tests' requests come from, as Ward sees it. */
const CLIENT_IP = '198.51.100.23';

describe('every action leaves an audit row, and none holds content or secrets', () => {
  // Text that must never reach the trail: each marker is unique to one place it was typed.
  const secretText = {
    noteSubjective: 'marker-subjective-5b1e',
    amendment: 'marker-amendment-77c2',
    encounterReason: 'marker-reason-chest-pain-31d0',
    diagnosis: 'marker-diagnosis-hiv-positive-a9e4',
    allergy: 'marker-allergy-substance-0f6b',
    allergyReaction: 'marker-reaction-anaphylaxis-c3d8',
    justification: 'marker-justification-detail-ee21',
    familyName: 'Markerfamily',
    givenNames: 'Markergiven',
    identifier: 'MARKER-ID-4411',
    phone: '+1 555 0199 4411',
    address: 'marker-address 12 Secret Lane',
    wrongPassword: 'marker-wrong-password-d00d-Quiet-lantern',
  };
  let doctor: Member;
  let auditor: Member;
  let patient: PatientJson;
  let signInToken = '';
  const justificationIds: string[] = [];

  const from = { remoteAddress: CLIENT_IP };

  before(async () => {
    doctor = await signedInMember(app, db, true, ['doctor']);
    auditor = await signedInMember(app, db, doctor.institutionId, ['auditor']);

    // Sign-ins, failed and successful, from the client's address and browser.
    const failed = await login(app, {
      username: doctor.user.username,
      password: secretText.wrongPassword,
      remoteAddress: CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    assert.equal(failed.statusCode, 401);
    const signedIn = await login(app, {
      username: doctor.user.username,
      password: doctor.user.password,
      tokenDelivery: 'bearer',
      remoteAddress: CLIENT_IP,
      userAgent: TEST_USER_AGENT,
    });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    signInToken = signedIn.json<{ token: string }>().token;

    const created = await doctor.request('POST', '/patients', {
      ...from,
      body: {
        identifierType: 'national_id',
        identifierValue: secretText.identifier,
        familyName: secretText.familyName,
        givenNames: secretText.givenNames,
        birthDate: '1961-07-04',
        sex: 'female',
        phone: secretText.phone,
        address: secretText.address,
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    patient = created.json<PatientJson>();
    const p = `/patients/${patient.id}`;
    const steps: [string, string, Record<string, unknown>?][] = [
      ['GET', `/patients?q=${secretText.familyName}`],
      ['GET', `/patients?identifier=${secretText.identifier}`],
      ['GET', p],
      [
        'PUT',
        p,
        {
          identifierType: 'national_id',
          identifierValue: secretText.identifier,
          familyName: secretText.familyName,
          givenNames: `${secretText.givenNames} Updated`,
          birthDate: '1961-07-04',
          sex: 'female',
          version: 1,
        },
      ],
      ['POST', `${p}/access`, { reason: 'emergency', detail: secretText.justification }],
      ['GET', `${p}/record`],
      ['POST', `${p}/encounters`, { type: 'emergency', reason: secretText.encounterReason }],
    ];
    for (const [method, url, body] of steps) {
      const response = await doctor.request(method as 'GET', url, { ...from, ...(body ? { body } : {}) });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.body}`);
      if (url.endsWith('/access')) justificationIds.push(response.json<{ id: string }>().id);
    }
    const encounterId = (
      await db
        .selectFrom('ward.encounters')
        .select('id')
        .where('patient_id', '=', patient.id)
        .executeTakeFirstOrThrow()
    ).id;
    const notes = `${p}/encounters/${encounterId}/notes`;
    const draft = await doctor.request('POST', notes, { ...from, body: noteText(secretText.noteSubjective) });
    assert.equal(draft.statusCode, 201, draft.body);
    const noteId = draft.json<{ id: string }>().id;
    const signed = await doctor.request('PUT', `${notes}/${noteId}`, {
      ...from,
      body: { ...noteText(secretText.noteSubjective), version: 1, sign: true },
    });
    assert.equal(signed.statusCode, 200, signed.body);
    const amended = await doctor.request('POST', notes, {
      ...from,
      body: { ...noteText(secretText.amendment), amendsNoteId: noteId },
    });
    assert.equal(amended.statusCode, 201, amended.body);
    const diagnosis = await doctor.request('POST', `${p}/encounters/${encounterId}/diagnoses`, {
      ...from,
      body: { code: 'B20', description: secretText.diagnosis },
    });
    assert.equal(diagnosis.statusCode, 201, diagnosis.body);
    const allergy = await doctor.request('POST', `${p}/allergies`, {
      ...from,
      body: { substance: secretText.allergy, reaction: secretText.allergyReaction, severity: 'severe' },
    });
    assert.equal(allergy.statusCode, 201, allergy.body);

    const [justificationId] = justificationIds;
    assert.ok(justificationId);
    const review = await auditor.request('POST', `/access-justifications/${justificationId}/review`, from);
    assert.equal(review.statusCode, 200, review.body);
    const read = await auditor.request('GET', `/audit?patient=${patient.id}`, from);
    assert.equal(read.statusCode, 200, read.body);
  });

  async function rowsOf(action: string, actorId: string): Promise<AuditRow[]> {
    return db
      .selectFrom('ward.audit_events')
      .selectAll()
      .where('action', '=', action)
      .where('actor_id', '=', actorId)
      .where('ip', '=', CLIENT_IP)
      .execute();
  }

  const institutionActions: [string, 'doctor' | 'auditor', number][] = [
    ['patient.create', 'doctor', 1],
    ['patient.search', 'doctor', 2],
    ['patient.read', 'doctor', 1],
    ['patient.update', 'doctor', 1],
    ['access.justified', 'doctor', 1],
    ['clinical.read', 'doctor', 1],
    ['encounter.create', 'doctor', 1],
    ['note.create', 'doctor', 1],
    ['note.sign', 'doctor', 1],
    ['note.amend', 'doctor', 1],
    ['diagnosis.create', 'doctor', 1],
    ['allergy.create', 'doctor', 1],
    ['access.reviewed', 'auditor', 1],
    ['audit.read', 'auditor', 1],
  ];

  for (const [action, who, count] of institutionActions) {
    test(`${action}: who, institution, address, client and outcome`, async () => {
      const actor = who === 'doctor' ? doctor : auditor;
      const rows = await rowsOf(action, actor.user.id);
      assert.equal(rows.length, count, `${action} rows`);
      for (const row of rows) {
        assert.equal(row.actor_username, actor.user.username);
        assert.equal(row.institution_id, actor.institutionId);
        assert.equal(row.user_agent, TEST_USER_AGENT);
        assert.equal(row.outcome, 'success');
        assert.ok(row.occurred_at instanceof Date);
        assert.ok(Math.abs(row.occurred_at.getTime() - Date.now()) < 5 * 60_000);
        assert.match(row.mac, /^[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
        if (!['patient.search', 'audit.read', 'access.reviewed'].includes(action)) {
          assert.equal(row.patient_id, patient.id, `${action} names the patient`);
        }
      }
    });
  }

  test('sign-ins, failed and successful: who, address, client and outcome (before any institution is chosen)', async () => {
    const [success] = await rowsOf('auth.sign_in', doctor.user.id);
    const [failure] = await rowsOf('auth.sign_in_failed', doctor.user.id);
    for (const row of [success, failure]) {
      assert.ok(row);
      assert.equal(row.actor_username, doctor.user.username);
      assert.equal(row.user_agent, TEST_USER_AGENT);
      assert.equal(row.institution_id, null);
    }
    assert.equal(success?.outcome, 'success');
    assert.equal(failure?.outcome, 'failure');
  });

  test('no audit row holds clinical text, personal details, a password or a session token', async () => {
    const rows = await db.selectFrom('ward.audit_events').selectAll().execute();
    assert.ok(rows.length >= institutionActions.length + 2, `only ${String(rows.length)} rows`);
    const everything = JSON.stringify(rows);
    const forbidden = {
      ...secretText,
      password: doctor.user.password,
      auditorPassword: auditor.user.password,
      token: signInToken,
      memberToken: doctor.token,
      // The search text and the lower-cased name the database searches by.
      searchName: secretText.familyName.toLowerCase(),
      birthDate: '1961-07-04',
    };
    for (const [what, text] of Object.entries(forbidden)) {
      assert.ok(!everything.includes(text), `the trail holds the ${what}`);
      assert.ok(!everything.toLowerCase().includes(text.toLowerCase()), `the trail holds the ${what}`);
    }
  });

  test('the auditor reads them back, filtered by patient, action and actor, newest first', async () => {
    const response = await auditor.request('GET', `/audit?patient=${patient.id}&limit=500`);
    assert.equal(response.statusCode, 200);
    const items = response.json<{ items: { id: string; action: string; ip: string; patientId: string }[] }>()
      .items;
    assert.ok(items.every((i) => i.patientId === patient.id));
    assert.deepEqual([...new Set(items.map((i) => i.action))].sort(), [
      'access.justified',
      'allergy.create',
      'clinical.read',
      'diagnosis.create',
      'encounter.create',
      'note.amend',
      'note.create',
      'note.sign',
      'patient.create',
      'patient.read',
      'patient.update',
    ]);
    const ids = items.map((i) => BigInt(i.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
    );
    const byAction = await auditor.request('GET', `/audit?action=note.sign&actor=${doctor.user.id}`);
    assert.deepEqual(
      byAction.json<{ items: { action: string }[] }>().items.map((i) => i.action),
      ['note.sign'],
    );
  });

  test('reading the trail is itself audited, with the filters used', async () => {
    const rows = await rowsOf('audit.read', auditor.user.id);
    assert.equal(rows[0]?.details && (rows[0].details as { patient?: string }).patient, patient.id);
  });

  test('the trail pages backwards with nextBefore, without repeats', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const url = `/audit?limit=4${before === null ? '' : `&before=${before}`}`;
      const response = await auditor.request('GET', url);
      assert.equal(response.statusCode, 200, response.body);
      const page = response.json<{ items: { id: string }[]; nextBefore: string | null }>();
      seen.push(...page.items.map((i) => i.id));
      before = page.nextBefore;
    } while (before !== null && seen.length < 1000);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= 15);
  });

  test('bad filters are 400, never 500', async () => {
    for (const query of [
      'limit=0',
      'limit=501',
      'limit=ten',
      'before=99999999999999999999',
      'before=-1',
      'actor=not-a-uuid',
      'from=yesterday',
      'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      'from=2026-06-30T23:59:60Z',
      'action=%00',
      'unknown=1',
    ]) {
      const response = await auditor.request('GET', `/audit?${query}`);
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
      assert.ok(['validation_failed', 'bad_request'].includes(errorOf(response)));
    }
    assert.equal((await auditor.request('GET', '/audit?limit=500')).statusCode, 200);
  });
});

describe("a patient's own audit rows", () => {
  test('are created in the same transaction as the action: a refused write leaves none', async () => {
    const registrar = await signedInMember(app, db, true, ['administrative']);
    const patient = await createPatient(registrar);
    const before = await db
      .selectFrom('ward.audit_events')
      .select('id')
      .where('patient_id', '=', patient.id)
      .execute();
    const conflict = await registrar.request('POST', '/patients', {
      body: {
        identifierType: patient.identifierType,
        identifierValue: patient.identifierValue,
        familyName: 'Duplicate',
        givenNames: 'Person',
        birthDate: '1990-01-01',
        sex: 'male',
      },
    });
    assert.equal(conflict.statusCode, 409);
    const created = await db
      .selectFrom('ward.audit_events')
      .select('id')
      .where('action', '=', 'patient.create')
      .where('actor_id', '=', registrar.user.id)
      .execute();
    assert.equal(created.length, 1, 'only the patient that exists has a patient.create row');
    const afterRows = await db
      .selectFrom('ward.audit_events')
      .select('id')
      .where('patient_id', '=', patient.id)
      .execute();
    assert.equal(afterRows.length, before.length);
  });
});

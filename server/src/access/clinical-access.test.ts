import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import {
  createEncounter,
  createPatient,
  errorOf,
  signedInMember,
  type Member,
} from '../patients/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';
import { JUSTIFICATION_REASONS } from './clinical-access.ts';

// Clinical access as a clinician meets it: the record opens with a care relationship (an encounter
// of one's own within the institution's window) or after stating a reason, which lasts a limited
// time, is audited and waits for an auditor's review. Moving timestamps stands in for the clock.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let registrar: Member;
let auditor: Member;
let iid: string;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  registrar = await signedInMember(app, db, true, ['administrative']);
  iid = registrar.institutionId;
  auditor = await signedInMember(app, db, iid, ['auditor']);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

const HOUR_MS = 3_600_000;

function doctor(): Promise<Member> {
  return signedInMember(app, db, iid, ['doctor']);
}

async function newPatientId(): Promise<string> {
  return (await createPatient(registrar, { familyName: 'Accesscase' })).id;
}

async function recordStatus(member: Member, patientId: string): Promise<string> {
  const response = await member.request('GET', `/patients/${patientId}/record`);
  return response.statusCode === 200 ? '200' : `${String(response.statusCode)} ${errorOf(response)}`;
}

interface ClinicalAccessJson {
  allowed: boolean;
  basis: string | null;
  justifiedUntil: string | null;
}

async function clinicalAccessShown(member: Member, patientId: string): Promise<ClinicalAccessJson | null> {
  const response = await member.request('GET', `/patients/${patientId}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ clinicalAccess: ClinicalAccessJson | null }>().clinicalAccess;
}

async function justify(
  member: Member,
  patientId: string,
  body: Record<string, unknown> = { reason: 'emergency' },
): Promise<{ id: string; expiresAt: string }> {
  const response = await member.request('POST', `/patients/${patientId}/access`, { body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; expiresAt: string }>();
}

interface JustificationJson {
  id: string;
  userId: string;
  username: string;
  patientId: string;
  reason: string;
  detail: string;
  grantedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
}

async function justificationList(query = ''): Promise<JustificationJson[]> {
  const response = await auditor.request('GET', `/access-justifications${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: JustificationJson[] }>().items;
}

describe('without a care relationship', () => {
  test('the record is refused with justification_required, naming the reasons one may state', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    for (const url of [`/patients/${patientId}/record`, `/patients/${patientId}/encounters`]) {
      const response = await clinician.request('GET', url);
      assert.equal(response.statusCode, 403);
      const body = response.json<{ error: { code: string; details: { reasons: string[] } } }>();
      assert.equal(body.error.code, 'justification_required');
      assert.deepEqual(body.error.details.reasons, [...JUSTIFICATION_REASONS]);
    }
    const write = await clinician.request('POST', `/patients/${patientId}/encounters`, {
      body: { type: 'outpatient', reason: 'Visit' },
    });
    assert.equal(errorOf(write), 'justification_required');
    // The demographics stay readable, and say where the clinician stands.
    assert.deepEqual(await clinicalAccessShown(clinician, patientId), {
      allowed: false,
      basis: null,
      justifiedUntil: null,
    });
    // Non-clinical roles see demographics with no clinical access at all.
    assert.equal(await clinicalAccessShown(registrar, patientId), null);
  });

  test('a reason outside the list, an unknown field or a NUL in the detail is a 400, and grants nothing', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    for (const body of [
      { reason: 'curiosity' },
      { reason: 'emergency', until: '2999-01-01T00:00:00Z' },
      { reason: 'emergency', detail: 'a\u0000b' },
      {},
    ]) {
      const response = await clinician.request('POST', `/patients/${patientId}/access`, { body });
      assert.equal(response.statusCode, 400, JSON.stringify(body));
    }
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
  });
});

describe('justified access', () => {
  test("is granted for the institution's window and opens the record", async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    const before = Date.now();
    const grant = await justify(clinician, patientId, {
      reason: 'emergency',
      detail: 'Brought in unconscious',
    });
    const expires = Date.parse(grant.expiresAt);
    assert.ok(Math.abs(expires - (before + 24 * HOUR_MS)) < 60_000, grant.expiresAt);
    assert.equal(await recordStatus(clinician, patientId), '200');
    assert.deepEqual(await clinicalAccessShown(clinician, patientId), {
      allowed: true,
      basis: 'justification',
      justifiedUntil: grant.expiresAt,
    });
  });

  test("follows the institution's setting for how long it lasts", async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    await db
      .updateTable('ward.institutions')
      .set({ justified_access_hours: 2 })
      .where('id', '=', iid)
      .execute();
    try {
      const grant = await justify(clinician, patientId, { reason: 'patient_consultation' });
      assert.ok(Math.abs(Date.parse(grant.expiresAt) - (Date.now() + 2 * HOUR_MS)) < 60_000, grant.expiresAt);
    } finally {
      await db
        .updateTable('ward.institutions')
        .set({ justified_access_hours: 24 })
        .where('id', '=', iid)
        .execute();
    }
  });

  test('opens only that patient, and only for the clinician who stated the reason', async () => {
    const clinician = await doctor();
    const colleague = await doctor();
    const patientId = await newPatientId();
    const otherPatientId = await newPatientId();
    await justify(clinician, patientId);
    assert.equal(await recordStatus(clinician, patientId), '200');
    assert.equal(await recordStatus(clinician, otherPatientId), '403 justification_required');
    assert.equal(await recordStatus(colleague, patientId), '403 justification_required');
  });

  test('expires: once expires_at is past, the record is refused again', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    const grant = await justify(clinician, patientId, { reason: 'professional_consultation' });
    assert.equal(await recordStatus(clinician, patientId), '200');
    await db
      .updateTable('ward.access_justifications')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', grant.id)
      .execute();
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
    assert.deepEqual(await clinicalAccessShown(clinician, patientId), {
      allowed: false,
      basis: null,
      justifiedUntil: null,
    });
  });

  test('is audited with its reason, never its free text, flagged for review, and listed until reviewed', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    const detail = 'Sister of the patient asked me to look: detail-7f3a';
    const grant = await justify(clinician, patientId, { reason: 'audit', detail });

    const rows = await db
      .selectFrom('ward.audit_events')
      .selectAll()
      .where('action', '=', 'access.justified')
      .where('actor_id', '=', clinician.user.id)
      .execute();
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.ok(row);
    assert.equal(row.institution_id, iid);
    assert.equal(row.patient_id, patientId);
    assert.equal(row.reason, 'audit');
    assert.equal(row.outcome, 'success');
    assert.deepEqual(row.details, { justificationId: grant.id, hours: 24, review: true });
    assert.ok(!JSON.stringify(row).includes('detail-7f3a'), 'the free text stays out of the trail');

    const listed = (await justificationList('?unreviewed=true')).find((j) => j.id === grant.id);
    assert.ok(listed, 'the grant waits for review');
    const { grantedAt, ...rest } = listed;
    assert.ok(Math.abs(Date.parse(grantedAt) - Date.now()) < 60_000, grantedAt);
    assert.deepEqual(rest, {
      id: grant.id,
      userId: clinician.user.id,
      username: clinician.user.username,
      patientId,
      reason: 'audit',
      detail,
      expiresAt: grant.expiresAt,
      reviewedAt: null,
    });

    const review = await auditor.request('POST', `/access-justifications/${grant.id}/review`);
    assert.equal(review.statusCode, 200, review.body);
    assert.deepEqual(review.json(), { reviewed: true });
    assert.ok(!(await justificationList('?unreviewed=true')).some((j) => j.id === grant.id));
    const reviewed = (await justificationList()).find((j) => j.id === grant.id);
    assert.ok(reviewed?.reviewedAt);
    // A review happens once.
    const again = await auditor.request('POST', `/access-justifications/${grant.id}/review`);
    assert.equal(again.statusCode, 404);
    const reviewRows = await db
      .selectFrom('ward.audit_events')
      .selectAll()
      .where('action', '=', 'access.reviewed')
      .where('target_id', '=', grant.id)
      .execute();
    const [reviewRow] = reviewRows;
    assert.equal(reviewRows.length, 1);
    assert.ok(reviewRow);
    assert.equal(reviewRow.actor_id, auditor.user.id);
    assert.equal(reviewRow.institution_id, iid);
  });

  test('?unreviewed=false lists reviewed and unreviewed alike; another value is a 400', async () => {
    const clinician = await doctor();
    const grant = await justify(clinician, await newPatientId());
    assert.ok((await justificationList('?unreviewed=false')).some((j) => j.id === grant.id));
    const bad = await auditor.request('GET', '/access-justifications?unreviewed=yes');
    assert.equal(bad.statusCode, 400);
  });
});

describe('a care relationship', () => {
  async function moveEncounter(encounterId: string, daysAgo: number): Promise<void> {
    await db
      .updateTable('ward.encounters')
      .set({ occurred_at: sql<Date>`now() - make_interval(days => ${daysAgo})` })
      .where('id', '=', encounterId)
      .execute();
  }

  async function review(justificationId: string): Promise<void> {
    const response = await auditor.request('POST', `/access-justifications/${justificationId}/review`);
    assert.equal(response.statusCode, 200, response.body);
  }

  async function endGrant(justificationId: string): Promise<void> {
    await db
      .updateTable('ward.access_justifications')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', justificationId)
      .execute();
  }

  test("is an encounter of one's own within 30 days; moved back 31 days, it is gone", async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    const grant = await justify(clinician, patientId);
    const encounterId = await createEncounter(clinician, patientId);
    // Once someone has reviewed the access it was written under, the encounter the clinician wrote
    // keeps the record open after the justification ends.
    await review(grant.id);
    await endGrant(grant.id);
    assert.equal(await recordStatus(clinician, patientId), '200');
    assert.equal((await clinicalAccessShown(clinician, patientId))?.basis, 'care_relationship');

    await moveEncounter(encounterId, 29);
    assert.equal(await recordStatus(clinician, patientId), '200');
    await moveEncounter(encounterId, 31);
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
    // The institution's own window applies.
    await db
      .updateTable('ward.institutions')
      .set({ care_relationship_days: 60 })
      .where('id', '=', iid)
      .execute();
    try {
      assert.equal(await recordStatus(clinician, patientId), '200');
    } finally {
      await db
        .updateTable('ward.institutions')
        .set({ care_relationship_days: 30 })
        .where('id', '=', iid)
        .execute();
    }
  });

  test('an encounter written under a justified access is none until that access is reviewed', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    const grant = await justify(clinician, patientId);
    await createEncounter(clinician, patientId);
    // Within the grant the record is open on its basis, the justification, not a care relationship.
    assert.equal((await clinicalAccessShown(clinician, patientId))?.basis, 'justification');
    await endGrant(grant.id);
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
    // A second person's look at the access makes the encounter count.
    await review(grant.id);
    assert.equal((await clinicalAccessShown(clinician, patientId))?.basis, 'care_relationship');
  });

  test("someone else's encounter gives no care relationship", async () => {
    const clinician = await doctor();
    const colleague = await doctor();
    const patientId = await newPatientId();
    await justify(colleague, patientId);
    await createEncounter(colleague, patientId);
    assert.equal(await recordStatus(colleague, patientId), '200');
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
  });

  test('concurrent patient reads each get their own reader’s answer, patient and institution', async () => {
    // Patient reads of concurrent requests go to the database together; none may borrow another's
    // care relationship, patient or institution.
    const carer = await doctor();
    const stranger = await doctor();
    const patientId = await newPatientId();
    const otherPatientId = await newPatientId();
    const grant = await justify(carer, patientId);
    await createEncounter(carer, patientId);
    await review(grant.id);
    const elsewhere = await signedInMember(app, db, true, ['doctor']);
    const readers = [
      { member: carer, id: patientId, expect: 'care_relationship' },
      { member: stranger, id: patientId, expect: 'none' },
      { member: registrar, id: otherPatientId, expect: 'demographics only' },
      { member: elsewhere, id: patientId, expect: '404' },
    ] as const;
    const reads = Array.from({ length: 24 }, (_, i) => readers[i % readers.length]);
    const answers = await Promise.all(
      reads.map(async (read) => {
        if (!read) throw new Error('no reader');
        const response = await read.member.request('GET', `/patients/${read.id}`);
        if (response.statusCode !== 200) return String(response.statusCode);
        const body = response.json<{ id: string; clinicalAccess: ClinicalAccessJson | null }>();
        assert.equal(body.id, read.id);
        if (body.clinicalAccess === null) return 'demographics only';
        return body.clinicalAccess.basis ?? 'none';
      }),
    );
    assert.deepEqual(
      answers,
      reads.map((read) => read?.expect),
    );
  });

  test('cannot be stretched by dating an encounter in the future', async () => {
    const clinician = await doctor();
    const patientId = await newPatientId();
    await justify(clinician, patientId);
    const future = await clinician.request('POST', `/patients/${patientId}/encounters`, {
      body: {
        type: 'outpatient',
        reason: 'Visit',
        occurredAt: new Date(Date.now() + 400 * 24 * HOUR_MS).toISOString(),
      },
    });
    assert.equal(future.statusCode, 400, future.body);
    const encounters = await db
      .selectFrom('ward.encounters')
      .select('id')
      .where('author_id', '=', clinician.user.id)
      .execute();
    assert.equal(encounters.length, 0);
    // Recording a visit after the fact is fine; an old one opens nothing.
    await createEncounter(clinician, patientId, {
      type: 'outpatient',
      reason: 'Visit last month',
      occurredAt: new Date(Date.now() - 40 * 24 * HOUR_MS).toISOString(),
    });
    await db
      .updateTable('ward.access_justifications')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', clinician.user.id)
      .execute();
    assert.equal(await recordStatus(clinician, patientId), '403 justification_required');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import {
  createEncounter,
  createPatient,
  errorOf,
  insertEncounter,
  noteText,
  signedInMember,
  type Member,
} from '../patients/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';

// The clinical record as clinicians write it: draft notes their author edits and signs, signed notes
// that nobody can change (not through the API, not even the schema owner in SQL), amendments that
// correct them, diagnoses and allergies; all read back as written.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let author: Member;
let colleague: Member;
let patientId: string;
let encounterId: string;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  author = await signedInMember(app, db, true, ['doctor']);
  colleague = await signedInMember(app, db, author.institutionId, ['doctor']);
  patientId = (await createPatient(author, { familyName: 'Recordholder' })).id;
  encounterId = await insertEncounter(db, {
    institutionId: author.institutionId,
    patientId,
    authorId: author.user.id,
  });
  // The colleague has a care relationship too, so only authorship can stand in their way.
  await insertEncounter(db, { institutionId: author.institutionId, patientId, authorId: colleague.user.id });
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

const notesUrl = (): string => `/patients/${patientId}/encounters/${encounterId}/notes`;

async function writeNote(
  member: Member,
  body: Record<string, unknown>,
): Promise<{ id: string; status: string }> {
  const response = await member.request('POST', notesUrl(), { body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; status: string }>();
}

async function noteRow(id: string): Promise<Record<string, unknown>> {
  return db.selectFrom('ward.clinical_notes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

interface RecordJson {
  encounters: {
    id: string;
    notes: { id: string; subjective: string; plan: string; status: string; amendsNoteId: string | null }[];
    diagnoses: { id: string; code: string; description: string }[];
  }[];
  allergies: { id: string; substance: string; reaction: string; severity: string }[];
}

async function record(member: Member = author): Promise<RecordJson> {
  const response = await member.request('GET', `/patients/${patientId}/record`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<RecordJson>();
}

/** The error PostgreSQL raises for `statement`, or undefined when it succeeds. */
async function sqlError(
  statement: ReturnType<typeof sql>,
): Promise<{ code?: string; message: string } | undefined> {
  try {
    await statement.execute(db);
    return undefined;
  } catch (error) {
    return error as { code?: string; message: string };
  }
}

describe('a draft note', () => {
  test('its author edits it with the version read, then signs it', async () => {
    const draft = await writeNote(author, noteText('draft one'));
    assert.equal(draft.status, 'draft');
    const url = `${notesUrl()}/${draft.id}`;
    const edit = await author.request('PUT', url, { body: { ...noteText('draft two'), version: 1 } });
    assert.equal(edit.statusCode, 200, edit.body);
    assert.deepEqual(edit.json(), { id: draft.id, status: 'draft', version: 2 });
    const sign = await author.request('PUT', url, { body: { ...noteText('final'), version: 2, sign: true } });
    assert.equal(sign.statusCode, 200, sign.body);
    assert.deepEqual(sign.json(), { id: draft.id, status: 'signed', version: 3 });
    const row = await noteRow(draft.id);
    assert.equal(row.subjective, noteText('final').subjective);
    assert.ok(row.signed_at instanceof Date);
  });

  test('a stale version is a 409 that changes nothing', async () => {
    const draft = await writeNote(author, noteText('stale base'));
    const url = `${notesUrl()}/${draft.id}`;
    assert.equal(
      (await author.request('PUT', url, { body: { ...noteText('v2'), version: 1 } })).statusCode,
      200,
    );
    const before = await noteRow(draft.id);
    const stale = await author.request('PUT', url, { body: { ...noteText('lost'), version: 1 } });
    assert.equal(stale.statusCode, 409);
    assert.equal(errorOf(stale), 'version_conflict');
    assert.deepEqual(await noteRow(draft.id), before);
  });

  test("only its author may edit or sign it; a colleague's attempt changes nothing", async () => {
    const draft = await writeNote(author, noteText('mine'));
    const before = await noteRow(draft.id);
    const url = `${notesUrl()}/${draft.id}`;
    for (const body of [
      { ...noteText('theirs'), version: 1 },
      { ...noteText('mine'), version: 1, sign: true },
    ]) {
      const response = await colleague.request('PUT', url, { body });
      assert.equal(response.statusCode, 403);
      assert.equal(errorOf(response), 'forbidden');
    }
    assert.deepEqual(await noteRow(draft.id), before);
  });

  test('under another encounter of the same patient is not found', async () => {
    const draft = await writeNote(author, noteText('placed'));
    const otherEncounter = await createEncounter(author, patientId);
    const response = await author.request(
      'PUT',
      `/patients/${patientId}/encounters/${otherEncounter}/notes/${draft.id}`,
      { body: { ...noteText('moved'), version: 1 } },
    );
    assert.equal(response.statusCode, 404);
  });

  test('an unknown field, a missing section, a NUL or an impossible version is a 400', async () => {
    const draft = await writeNote(author, noteText('strict'));
    for (const body of [
      { ...noteText('x'), status: 'signed' },
      { subjective: 'only this' },
      { ...noteText('x'), plan: 'a\u0000b' },
      { ...noteText('x'), version: 9_999_999_999 },
    ]) {
      assert.equal(
        (await author.request('POST', notesUrl(), { body })).statusCode,
        400,
        JSON.stringify(body),
      );
      const put = await author.request('PUT', `${notesUrl()}/${draft.id}`, { body: { version: 1, ...body } });
      assert.equal(put.statusCode, 400, JSON.stringify(body));
    }
    assert.equal((await noteRow(draft.id)).version, 1);
  });
});

describe('a signed note', () => {
  let signedId: string;
  let signedRow: Record<string, unknown>;

  before(async () => {
    signedId = (await writeNote(author, { ...noteText('signed at once'), sign: true })).id;
    signedRow = await noteRow(signedId);
    assert.equal(signedRow.status, 'signed');
  });

  test('cannot be changed or re-signed through the API', async () => {
    for (const body of [
      { ...noteText('rewritten'), version: 1 },
      { ...noteText('rewritten'), version: 1, sign: true },
    ]) {
      const response = await author.request('PUT', `${notesUrl()}/${signedId}`, { body });
      assert.equal(response.statusCode, 409);
      assert.equal(errorOf(response), 'conflict');
    }
    assert.deepEqual(await noteRow(signedId), signedRow);
  });

  test("cannot be updated or deleted even by the schema owner's own SQL", async () => {
    const update = await sqlError(
      sql`UPDATE ward.clinical_notes SET plan = 'tampered' WHERE id = ${signedId}`,
    );
    assert.ok(update, 'the UPDATE of a signed note went through');
    assert.match(update.message, /immutable/);
    const unsign = await sqlError(
      sql`UPDATE ward.clinical_notes SET status = 'draft', signed_at = NULL WHERE id = ${signedId}`,
    );
    assert.ok(unsign, 'a signed note could be turned back into a draft');
    const remove = await sqlError(sql`DELETE FROM ward.clinical_notes WHERE id = ${signedId}`);
    assert.ok(remove, 'the DELETE of a signed note went through');
    assert.match(remove.message, /immutable/);
    assert.deepEqual(await noteRow(signedId), signedRow);
  });

  test('while a draft stays editable in SQL (the guard is about signing, not the table)', async () => {
    const draft = await writeNote(author, noteText('sql draft'));
    assert.equal(
      await sqlError(sql`UPDATE ward.clinical_notes SET plan = 'edited' WHERE id = ${draft.id}`),
      undefined,
    );
    assert.equal((await noteRow(draft.id)).plan, 'edited');
  });

  test('is corrected by an amendment, which the record shows beside it', async () => {
    const amendment = await writeNote(author, {
      ...noteText('correction'),
      amendsNoteId: signedId,
      sign: true,
    });
    assert.equal(amendment.status, 'signed');
    const notes = (await record()).encounters.find((e) => e.id === encounterId)?.notes ?? [];
    const original = notes.find((n) => n.id === signedId);
    const correction = notes.find((n) => n.id === amendment.id);
    assert.equal(original?.subjective, noteText('signed at once').subjective);
    assert.equal(correction?.amendsNoteId, signedId);
    assert.equal(correction.subjective, noteText('correction').subjective);
  });

  test('amendments are for signed notes of this patient only', async () => {
    const draft = await writeNote(author, noteText('not yet signed'));
    const ofDraft = await author.request('POST', notesUrl(), {
      body: { ...noteText('x'), amendsNoteId: draft.id },
    });
    assert.equal(ofDraft.statusCode, 409);
    const otherPatient = (await createPatient(author)).id;
    const otherEncounter = await insertEncounter(db, {
      institutionId: author.institutionId,
      patientId: otherPatient,
      authorId: author.user.id,
    });
    const crossPatient = await author.request(
      'POST',
      `/patients/${otherPatient}/encounters/${otherEncounter}/notes`,
      {
        body: { ...noteText('x'), amendsNoteId: signedId },
      },
    );
    assert.equal(crossPatient.statusCode, 404);
    const nowhere = await author.request('POST', notesUrl(), {
      body: { ...noteText('x'), amendsNoteId: '01900000-0000-7000-8000-000000000000' },
    });
    assert.equal(nowhere.statusCode, 404);
  });
});

describe('diagnoses and allergies', () => {
  test('are recorded and read back as written, under their encounter and patient', async () => {
    const diagnosis = await author.request(
      'POST',
      `/patients/${patientId}/encounters/${encounterId}/diagnoses`,
      {
        body: { code: 'E11.9', description: 'Type 2 diabetes <b>without</b> complications' },
      },
    );
    assert.equal(diagnosis.statusCode, 201, diagnosis.body);
    const allergy = await colleague.request('POST', `/patients/${patientId}/allergies`, {
      body: { substance: 'Penicillin', reaction: 'Hives; "severe" itching', severity: 'moderate' },
    });
    assert.equal(allergy.statusCode, 201, allergy.body);
    const shown = await record(colleague);
    const encounter = shown.encounters.find((e) => e.id === encounterId);
    assert.deepEqual(
      encounter?.diagnoses.find((d) => d.id === diagnosis.json<{ id: string }>().id),
      {
        id: diagnosis.json<{ id: string }>().id,
        code: 'E11.9',
        description: 'Type 2 diabetes <b>without</b> complications',
      },
    );
    const listed = shown.allergies.find((a) => a.id === allergy.json<{ id: string }>().id);
    assert.equal(listed?.reaction, 'Hives; "severe" itching');
    assert.equal(listed.severity, 'moderate');
  });

  test("a diagnosis on another patient's encounter is not found", async () => {
    const otherPatient = (await createPatient(author)).id;
    const response = await author.request(
      'POST',
      `/patients/${otherPatient}/encounters/${encounterId}/diagnoses`,
      {
        body: { code: 'R51', description: 'Headache' },
      },
    );
    // The author has no relationship with the other patient: the justification comes first.
    assert.equal(errorOf(response), 'justification_required');
    await insertEncounter(db, {
      institutionId: author.institutionId,
      patientId: otherPatient,
      authorId: author.user.id,
    });
    const again = await author.request(
      'POST',
      `/patients/${otherPatient}/encounters/${encounterId}/diagnoses`,
      {
        body: { code: 'R51', description: 'Headache' },
      },
    );
    assert.equal(again.statusCode, 404);
  });

  test('an unknown severity or an unknown field is a 400', async () => {
    for (const body of [
      { substance: 'Latex', severity: 'lethal' },
      { substance: 'Latex', severity: 'mild', recordedBy: 'someone else' },
    ]) {
      assert.equal(
        (await author.request('POST', `/patients/${patientId}/allergies`, { body })).statusCode,
        400,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { planOf, readsOf, recordingKysely, showPlan } from '../../test/plans.ts';
import { readClinicalRecord } from './store.ts';

// A large institution holds millions of notes: reading one patient's record must find that
// patient's rows, not go through the institution's.

let database: OpenedTestDatabase;

before(async () => {
  database = await openTestDatabase('ward-record-reads-');
});

after(async () => {
  await database.close();
});

test("a patient's record is read by patient from every table it comes from", async () => {
  const recording = recordingKysely(database.database.url);
  try {
    await readClinicalRecord(
      recording.db,
      '00000000-0000-7000-8000-000000000001',
      '00000000-0000-7000-8000-000000000002',
    );
  } finally {
    await recording.destroy();
  }
  const tables = ['encounters', 'clinical_notes', 'diagnoses', 'allergies'];
  assert.equal(recording.statements.length, tables.length);
  for (const statement of recording.statements) {
    const plan = await planOf(database.owner, statement);
    const reads = tables.flatMap((table) => readsOf(plan, table));
    assert.equal(reads.length, 1, showPlan(statement, plan));
    for (const read of reads) assert.match(read.indexCond, /patient_id = /, showPlan(statement, plan));
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { nodesOf, planOf, readsOf, recordingKysely, showPlan } from '../../test/plans.ts';
import { justificationsForReview } from './clinical-access.ts';

// An institution gathers justified accesses for years and its reviewers read the list every day: it
// must come newest first from an index, and the unreviewed ones without going through every one
// already reviewed.

let database: OpenedTestDatabase;
const institutionId = '00000000-0000-7000-8000-000000000001';

before(async () => {
  database = await openTestDatabase('ward-justification-reads-');
  // Enough rows for the planner to weigh a page against the whole list: on an empty table, sorting
  // everything costs nothing.
  await database.owner.query(
    `INSERT INTO ward.institutions (id, name, time_zone) VALUES ($1, 'Reviewed', 'UTC');
     INSERT INTO ward.users (id, username, display_name) VALUES ($1, 'clinician', 'Clinician');
     INSERT INTO ward.patients (institution_id, id, identifier_type, identifier_value, family_name, given_names, birth_date, sex)
     VALUES ($1, $1, 'mrn', '1', 'Patient', 'Some', '1970-01-01', 'unknown');
     INSERT INTO ward.access_justifications (institution_id, id, user_id, patient_id, reason, granted_at, expires_at, reviewed_at)
     SELECT $1, gen_random_uuid(), $1, $1, 'emergency', now() - i * interval '1 hour', now() - i * interval '1 hour' + interval '1 day',
            CASE WHEN i % 100 <> 0 THEN now() END
       FROM generate_series(1, 20000) i;
     ANALYZE ward.access_justifications;`.replaceAll('$1', `'${institutionId}'`),
  );
});

after(async () => {
  await database.close();
});

for (const unreviewedOnly of [false, true]) {
  test(`the review list of justified accesses${unreviewedOnly ? ', unreviewed only,' : ''} reads only the page it shows`, async () => {
    const recording = recordingKysely(database.database.url);
    try {
      await justificationsForReview(recording.db, institutionId, { unreviewedOnly });
    } finally {
      await recording.destroy();
    }
    const [statement] = recording.statements;
    assert.ok(statement);
    const plan = await planOf(database.owner, statement);
    const reads = readsOf(plan, 'access_justifications');
    assert.equal(reads.length, 1, showPlan(statement, plan));
    for (const read of reads) {
      assert.match(read.indexCond, /institution_id = /, showPlan(statement, plan));
      // Read and thrown away: reviewed ones, when only the unreviewed are asked for.
      assert.doesNotMatch(read.filter, /reviewed_at/, showPlan(statement, plan));
    }
    // In the index's order, so the read stops at the page's end instead of sorting the institution's.
    assert.ok(
      nodesOf(plan).every((node) => !node['Node Type'].includes('Sort')),
      showPlan(statement, plan),
    );
  });
}

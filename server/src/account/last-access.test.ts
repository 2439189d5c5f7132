import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { planOf, readsOf, recordingKysely, showPlan } from '../../test/plans.ts';
import { lastAccessOf, signInHistory } from './last-access.ts';

// The banner's figures are read on every `GET /api/me`, from a table that gains a row at every
// sign-in attempt, guesses included: none of its statements may read the whole table.

let database: OpenedTestDatabase;

before(async () => {
  database = await openTestDatabase('ward-last-access-');
});

after(async () => {
  await database.close();
});

test('the last-access banner and the sign-in history find their rows by index, not by reading every attempt', async () => {
  const recording = recordingKysely(database.database.url);
  const db = recording.db;
  try {
    const user = { id: '00000000-0000-7000-8000-000000000001', username: 'nobody.here' };
    // One earlier sign-in, so that the failure count takes its "since" branch too.
    await database.owner.query(
      `INSERT INTO ward.sign_in_attempts (id, at, username, ip, user_agent, outcome)
       VALUES (gen_random_uuid(), now() - interval '1 day', $1, '10.0.0.1', 'test', 'success')`,
      [user.username],
    );
    await lastAccessOf(db, user, new Date());
    await signInHistory(db, user.username);
  } finally {
    await recording.destroy();
  }
  const statements = recording.statements;
  assert.equal(statements.length, 3);
  for (const statement of statements) {
    const plan = await planOf(database.owner, statement);
    const reads = readsOf(plan, 'sign_in_attempts');
    assert.equal(reads.length, 1, showPlan(statement, plan));
    for (const read of reads)
      assert.match(read.indexCond, /user_id = |username = /, showPlan(statement, plan));
  }
});

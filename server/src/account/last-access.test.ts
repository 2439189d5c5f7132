import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Schema } from '../db/schema.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
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
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.database.url, max: 1 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query);
    },
  });
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
    await db.destroy();
  }
  assert.equal(statements.length, 3);
  // With sequential scans priced out, a statement reads the whole table only when no index serves it.
  await database.owner.query('SET enable_seqscan = off');
  for (const statement of statements) {
    const { rows } = await database.owner.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, [
      ...statement.parameters,
    ]);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.doesNotMatch(plan, /Seq Scan on sign_in_attempts/, `${statement.sql}\n${plan}`);
  }
});

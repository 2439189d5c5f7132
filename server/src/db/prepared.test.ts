import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import type { Kysely } from 'kysely';
import type { Schema } from './schema.ts';
import { PreparedStatement, runPrepared } from './prepared.ts';

describe('prepared statements', () => {
  let t: OpenedTestDatabase;
  before(async () => {
    t = await openTestDatabase('ward-prepared-');
  });
  after(async () => {
    await t.close();
  });

  test('a marked statement is prepared once per connection and answers for each run’s values', async () => {
    // One connection, so that the list of prepared statements is the one the statements ran on.
    await t.opened.db.connection().execute(async (db) => {
      const double = (n: number) => sql<{ doubled: number }>`SELECT ${n}::int * 2 AS doubled`;
      const answers = [];
      for (const n of [1, 2, 3, 21]) answers.push((await runPrepared(db, double(n))).rows[0]?.doubled);
      assert.deepEqual(answers, [2, 4, 6, 42]);
      const { rows } = await sql<{
        statement: string;
      }>`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%* 2 AS doubled%'`.execute(db);
      assert.equal(rows.length, 1, 'four runs, one prepared statement');
    });
  });

  test('a statement that is not marked is not prepared', async () => {
    await t.opened.db.connection().execute(async (db) => {
      await sql`SELECT 7 AS not_marked_${sql.raw('x')}`.execute(db);
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%not_marked_x%'`.execute(
        db,
      );
      assert.equal(rows[0]?.n, 0);
    });
  });

  test('a failing prepared statement fails its own run only, and the connection goes on', async () => {
    await t.opened.db.connection().execute(async (db) => {
      const parse = (text: string) => sql<{ n: number }>`SELECT ${text}::int AS n`;
      await assert.rejects(runPrepared(db, parse('not a number')), /invalid input syntax/);
      assert.equal((await runPrepared(db, parse('5'))).rows[0]?.n, 5);
    });
  });

  test('a PreparedStatement is built once and answers each run with that run’s values', async () => {
    let built = 0;
    const pairs = new PreparedStatement((_db: Kysely<Schema>, param) => {
      built++;
      return sql<{
        n: number;
        word: string;
      }>`SELECT n, word FROM unnest(${param(1)}::int[], ${param(2)}::text[]) AS t(n, word) ORDER BY n`;
    });
    const first = await pairs.run(t.opened.db, [
      [2, 1],
      ['two', 'one'],
    ]);
    const second = await pairs.run(t.opened.db, [[3], ["it's; DROP TABLE x"]]);
    assert.deepEqual(first.rows, [
      { n: 1, word: 'one' },
      { n: 2, word: 'two' },
    ]);
    assert.deepEqual(second.rows, [{ n: 3, word: "it's; DROP TABLE x" }]);
    assert.equal(built, 1);
  });

  test('a PreparedStatement refuses a value that does not go through param()', async () => {
    const leaky = new PreparedStatement(
      (_db: Kysely<Schema>, param) => sql`SELECT ${param(1)}::int + ${5} AS n`,
    );
    await assert.rejects(leaky.run(t.opened.db, [1]), /other than through param/);
  });
});

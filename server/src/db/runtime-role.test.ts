import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { configFrom, createTestDatabase, tempDir, type TestDatabase } from '../../test/harness.ts';
import { openDatabase, type Database, type DatabaseLog } from './database.ts';
import { migrate } from './migrate.ts';
import { describeCurrentRole, provisionRuntimeRole, runtimeRoleProblems } from './runtime-role.ts';

const quiet: DatabaseLog = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
};

/** PostgreSQL's insufficient_privilege, or "must be owner", which shares the code. */
function isPermissionError(error: unknown): boolean {
  return (error as { code?: string }).code === '42501';
}

describe('the runtime role Ward connects with', () => {
  let database: TestDatabase;
  let dir: { path: string; remove(): void };
  let ward: Database;

  before(async () => {
    database = await createTestDatabase();
    dir = tempDir();
    const config = configFrom(dir.path, {
      'data.dir': path.join(dir.path, 'data'),
      'database.url': database.url,
      'database.runtime.role': database.runtimeRole,
    });
    ward = await openDatabase(config, quiet);
  });
  after(async () => {
    await ward.close();
    await database.drop();
    dir.remove();
  });

  test('is the managed role, not the owner', async () => {
    assert.equal(ward.runtimeRole, database.runtimeRole);
    const { rows } = await ward.pool.query<{ user: string }>('SELECT current_user AS user');
    assert.equal(rows[0]?.user, database.runtimeRole);
  });

  const forbidden: Record<string, string> = {
    'create a table in schema ward': 'CREATE TABLE ward.planted (id int)',
    'create a table in schema public': 'CREATE TABLE public.planted (id int)',
    'alter a table': 'ALTER TABLE ward.users ADD COLUMN planted text',
    'drop a table': 'DROP TABLE ward.users',
    'truncate a table': 'TRUNCATE ward.users',
    'create a schema': 'CREATE SCHEMA planted',
    // Roles are cluster-wide: should this ever succeed, the name must collide with nothing.
    'create a role': `CREATE ROLE planted_${randomBytes(6).toString('hex')}`,
    'read the stored runtime credentials': 'SELECT password FROM ward_private.runtime_credentials',
    'record a migration': `INSERT INTO ward.schema_migrations (version, name, checksum) VALUES ('9999', 'x', 'x')`,
    'edit the migration record': `UPDATE ward.schema_migrations SET checksum = 'x'`,
    'erase the migration record': 'DELETE FROM ward.schema_migrations',
  };
  for (const [what, sql] of Object.entries(forbidden)) {
    test(`may not ${what}`, async () => {
      await assert.rejects(ward.pool.query(sql), isPermissionError);
    });
  }

  test('may read, but not change, which migrations were applied', async () => {
    const { rowCount } = await ward.pool.query('SELECT version FROM ward.schema_migrations');
    assert.ok((rowCount ?? 0) > 0);
  });

  test('may select, insert, update and delete rows in ordinary tables', async () => {
    const id = '0190a4e2-1c4b-7000-8000-000000000001';
    await ward.pool.query(
      `INSERT INTO ward.users (id, username, display_name) VALUES ($1, 'ana.perez', 'Ana Pérez')`,
      [id],
    );
    await ward.pool.query(`UPDATE ward.users SET display_name = 'Ana María Pérez' WHERE id = $1`, [id]);
    const { rows } = await ward.pool.query<{ display_name: string }>(
      'SELECT display_name FROM ward.users WHERE id = $1',
      [id],
    );
    assert.deepEqual(rows, [{ display_name: 'Ana María Pérez' }]);
    const deleted = await ward.pool.query('DELETE FROM ward.users WHERE id = $1', [id]);
    assert.equal(deleted.rowCount, 1);
  });

  test('is judged fit by describeCurrentRole and runtimeRoleProblems', async () => {
    const client = await ward.pool.connect();
    try {
      const facts = await describeCurrentRole(client);
      assert.deepEqual(facts, {
        name: database.runtimeRole,
        superuser: false,
        createRole: false,
        createDb: false,
        bypassRls: false,
        owns: 0,
        canCreate: false,
      });
      assert.deepEqual(runtimeRoleProblems(facts), []);
    } finally {
      client.release();
    }
  });

  test('the owner (a superuser) is reported unfit to be the runtime role, with reasons', async () => {
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    try {
      const facts = await describeCurrentRole(owner);
      assert.equal(facts.superuser, true);
      assert.ok(facts.owns > 0, 'the owner owns the schema it migrated');
      const problems = runtimeRoleProblems(facts);
      assert.ok(problems.includes(`role "${facts.name}" is a superuser`), problems.join('\n'));
      assert.ok(
        problems.some((p) => /owns \d+ tables or schemas/.test(p)),
        problems.join('\n'),
      );
      assert.ok(problems.includes(`role "${facts.name}" may create objects in the database`));
    } finally {
      await owner.end();
    }
  });
});

test('a role of the same name that this database did not create is never taken over', async () => {
  const first = await createTestDatabase();
  const second = await createTestDatabase();
  const role = `ward_app_shared_${randomBytes(4).toString('hex')}`;
  const a = new pg.Client({ connectionString: first.url });
  const b = new pg.Client({ connectionString: second.url });
  await a.connect();
  await b.connect();
  try {
    await migrate(a);
    await migrate(b);
    const password = await provisionRuntimeRole(a, role);
    await assert.rejects(provisionRuntimeRole(b, role), /already exists on this PostgreSQL server/);
    // The first database's role still has its password.
    assert.equal(await provisionRuntimeRole(a, role), password);
  } finally {
    await a.end();
    await b.end();
    await first.drop();
    await second.drop();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, tempDir, type TestDatabase } from '../../test/harness.ts';
import { migrate, readMigrations } from './migrate.ts';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function tableExists(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    name,
  ]);
  return rows[0]?.found === true;
}

async function appliedVersions(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ version: string }>(
    'SELECT version FROM ward.schema_migrations ORDER BY version',
  );
  return rows.map((r) => r.version);
}

async function advisoryLocksHeld(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ held: number }>(
    `SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
  );
  return rows[0]?.held ?? -1;
}

/** A folder of migration files written by the test, removed afterwards. */
function migrationsFolder(files: Record<string, string>): {
  dir: string;
  write(name: string, sql: string): void;
  remove(): void;
} {
  const folder = tempDir('ward-migrations-');
  const write = (name: string, sql: string): void => {
    writeFileSync(path.join(folder.path, name), sql);
  };
  for (const [name, sql] of Object.entries(files)) write(name, sql);
  return {
    dir: folder.path,
    write,
    remove: () => {
      folder.remove();
    },
  };
}

describe('readMigrations', () => {
  test('reads the checked-in migrations in version order, each version once', () => {
    const migrations = readMigrations();
    assert.ok(migrations.length > 0);
    const versions = migrations.map((m) => m.version);
    assert.deepEqual(versions, [...versions].sort());
    assert.equal(new Set(versions).size, versions.length);
    assert.equal(migrations[0]?.version, '0001');
  });

  test('refuses two files with the same version, which would silently skip one', () => {
    const folder = migrationsFolder({
      '0001_users.sql': 'SELECT 1;',
      '0002_sessions.sql': 'SELECT 2;',
      '0002_patients.sql': 'SELECT 3;',
    });
    try {
      assert.throws(() => readMigrations(folder.dir), /0002_patients and 0002_sessions share version 0002/);
    } finally {
      folder.remove();
    }
  });

  test('refuses a misnamed .sql file rather than never applying it', () => {
    const folder = migrationsFolder({ '0001_users.sql': 'SELECT 1;', '0002-Add-Patients.sql': 'SELECT 2;' });
    try {
      assert.throws(() => readMigrations(folder.dir), /rename 0002-Add-Patients\.sql/);
    } finally {
      folder.remove();
    }
  });

  test('gives a file the same checksum whatever its line endings', () => {
    const unix = migrationsFolder({ '0001_users.sql': 'CREATE TABLE a (x int);\nSELECT 1;\n' });
    const windows = migrationsFolder({ '0001_users.sql': 'CREATE TABLE a (x int);\r\nSELECT 1;\r\n' });
    const changed = migrationsFolder({ '0001_users.sql': 'CREATE TABLE a (x bigint);\nSELECT 1;\n' });
    try {
      const checksum = (dir: string): string | undefined => readMigrations(dir)[0]?.checksum;
      assert.equal(checksum(windows.dir), checksum(unix.dir));
      assert.notEqual(checksum(changed.dir), checksum(unix.dir));
    } finally {
      unix.remove();
      windows.remove();
      changed.remove();
    }
  });
});

describe('migrate', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.drop();
  });

  test('applies the checked-in migrations once; a second run applies nothing', async () => {
    const owner = await connect(database.url);
    try {
      const all = readMigrations();
      const first = await migrate(owner);
      assert.deepEqual(
        first.applied,
        all.map((m) => `${m.version}_${m.name}`),
      );
      assert.equal(await tableExists(owner, 'ward.users'), true);
      assert.equal(await tableExists(owner, 'ward_private.runtime_credentials'), true);

      const second = await migrate(owner);
      assert.deepEqual(second.applied, []);
      assert.deepEqual(
        await appliedVersions(owner),
        all.map((m) => m.version),
      );
    } finally {
      await owner.end();
    }
  });
});

describe('migrate with migrations written by the test', () => {
  let database: TestDatabase;
  let owner: pg.Client;
  before(async () => {
    database = await createTestDatabase();
    owner = await connect(database.url);
  });
  after(async () => {
    await owner.end();
    await database.drop();
  });

  test('a failing migration leaves nothing of itself behind; the ones before it stay', async () => {
    const folder = migrationsFolder({
      '0001_first.sql': 'CREATE TABLE ward.first_table (id int PRIMARY KEY);',
      '0002_broken.sql': `
        CREATE TABLE ward.broken_table (id int);
        INSERT INTO ward.first_table VALUES (1);
        SELECT no_such_function();`,
    });
    try {
      await assert.rejects(migrate(owner, readMigrations(folder.dir)), (error: Error) => {
        assert.match(error.message, /migration 0002_broken failed: .*no_such_function/);
        return true;
      });
      assert.equal(await tableExists(owner, 'ward.first_table'), true);
      assert.equal(await tableExists(owner, 'ward.broken_table'), false);
      const { rowCount } = await owner.query('SELECT 1 FROM ward.first_table');
      assert.equal(rowCount, 0, 'the broken migration inserted a row that survived');
      assert.deepEqual(await appliedVersions(owner), ['0001']);
      assert.equal(await advisoryLocksHeld(owner), 0, 'a failed run kept the migration lock');

      // Fixed, the next start applies it and only it.
      folder.write('0002_broken.sql', 'CREATE TABLE ward.broken_table (id int);');
      assert.deepEqual((await migrate(owner, readMigrations(folder.dir))).applied, ['0002_broken']);
      assert.equal(await tableExists(owner, 'ward.broken_table'), true);
      assert.deepEqual(await appliedVersions(owner), ['0001', '0002']);
    } finally {
      folder.remove();
    }
  });

  test('a migration edited after it was applied is refused, and nothing after it runs', async () => {
    await owner.query('DROP SCHEMA ward CASCADE');
    const folder = migrationsFolder({ '0001_notes.sql': 'CREATE TABLE ward.notes (id int);' });
    try {
      await migrate(owner, readMigrations(folder.dir));
      folder.write('0001_notes.sql', 'CREATE TABLE ward.notes (id bigint);');
      folder.write('0002_more.sql', 'CREATE TABLE ward.more (id int);');
      await assert.rejects(
        migrate(owner, readMigrations(folder.dir)),
        /migration 0001_notes was changed after it was applied; restore the original file and add a new migration/,
      );
      assert.equal(await tableExists(owner, 'ward.more'), false);
      assert.deepEqual(await appliedVersions(owner), ['0001']);
    } finally {
      folder.remove();
    }
  });
});

describe('two nodes migrating one fresh database at the same moment', () => {
  test('each migration is applied exactly once and neither node fails', async () => {
    const database = await createTestDatabase();
    // The first migration is slow, so that without the lock both nodes would be inside it together.
    const folder = migrationsFolder({
      '0001_slow.sql': 'SELECT pg_sleep(0.3); CREATE TABLE ward.slow (id int);',
      '0002_next.sql': 'CREATE TABLE ward.next (id int);',
    });
    const a = await connect(database.url);
    const b = await connect(database.url);
    try {
      const migrations = readMigrations(folder.dir);
      const results = await Promise.all([migrate(a, migrations), migrate(b, migrations)]);
      const applied = results.map((r) => r.applied).sort((x, y) => y.length - x.length);
      assert.deepEqual(applied, [['0001_slow', '0002_next'], []]);
      const { rows } = await a.query<{ version: string; n: number }>(
        'SELECT version, count(*)::int AS n FROM ward.schema_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(rows, [
        { version: '0001', n: 1 },
        { version: '0002', n: 1 },
      ]);
    } finally {
      await a.end();
      await b.end();
      folder.remove();
      await database.drop();
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { configFrom, createTestDatabase, tempDir, testServerUrl } from '../../test/harness.ts';
import { DatabaseUnavailableError, openDatabase, type DatabaseLog } from './database.ts';
import { readMigrations } from './migrate.ts';

const quiet: DatabaseLog = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
};

function recordingLog(): DatabaseLog & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    ...quiet,
    warnings,
    warn: (message) => {
      warnings.push(message);
    },
  };
}

/** Runs `work` with a superuser connection to the test server (roles are cluster-wide). */
async function asServerAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('openDatabase with the embedded server (no database.url)', () => {
  test('data written through Ward is still there after Ward stops and starts again', async () => {
    const dir = tempDir();
    // As root the server runs as `postgres`, which must be able to pass through the folder.
    chmodSync(dir.path, 0o711);
    try {
      const config = configFrom(dir.path, { 'data.dir': path.join(dir.path, 'data') });
      assert.equal(config.database.url, undefined);

      const log = recordingLog();
      const first = await openDatabase(config, log);
      try {
        assert.equal(first.embedded, true);
        await first.db
          .insertInto('ward.deployment_settings')
          .values({ key: 'restart-check', value: 'written before the stop' })
          .execute();
      } finally {
        await first.close();
      }
      assert.equal(
        existsSync(path.join(config.dataDir, 'postgres', 'postmaster.pid')),
        false,
        'the embedded server still runs after close()',
      );

      const second = await openDatabase(config, log);
      try {
        const row = await second.db
          .selectFrom('ward.deployment_settings')
          .select('value')
          .where('key', '=', 'restart-check')
          .executeTakeFirst();
        assert.deepEqual(row, { value: 'written before the stop' });
      } finally {
        await second.close();
      }
      assert.deepEqual(log.warnings, []);
    } finally {
      dir.remove();
    }
  });
});

describe('openDatabase with database.url', () => {
  test('an unreachable server gives DatabaseUnavailableError quickly, without the password', async () => {
    const dir = tempDir();
    try {
      const config = configFrom(dir.path, {
        'database.url': 'postgres://ward:s3cret-owner-password@127.0.0.1:1/ward',
      });
      const started = Date.now();
      await assert.rejects(openDatabase(config, quiet), (error: unknown) => {
        assert.ok(error instanceof DatabaseUnavailableError, String(error));
        assert.match(error.message, /cannot connect to PostgreSQL at postgres:\/\/ward@127\.0\.0\.1:1\/ward/);
        assert.match(error.message, /Check database\.url/);
        assert.doesNotMatch(error.message, /s3cret-owner-password/);
        return true;
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    } finally {
      dir.remove();
    }
  });

  test('two nodes opening one fresh database at once both start; each migration is applied once', async () => {
    const database = await createTestDatabase();
    const dir = tempDir();
    try {
      const config = configFrom(dir.path, {
        'database.url': database.url,
        'database.runtime.role': database.runtimeRole,
      });
      const nodes = await Promise.all([openDatabase(config, quiet), openDatabase(config, quiet)]);
      try {
        for (const node of nodes) {
          const { rows } = await node.pool.query<{ user: string }>('SELECT current_user AS user');
          assert.equal(rows[0]?.user, database.runtimeRole);
        }
        const { rows } = await nodes[0].pool.query<{ version: string; n: number }>(
          'SELECT version, count(*)::int AS n FROM ward.schema_migrations GROUP BY version ORDER BY version',
        );
        assert.deepEqual(
          rows,
          readMigrations().map((m) => ({ version: m.version, n: 1 })),
        );
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
      }
    } finally {
      await database.drop();
      dir.remove();
    }
  });

  test('uses database.runtime.url when given, granting that role data access only', async () => {
    const database = await createTestDatabase();
    const dir = tempDir();
    const role = `ward_own_role_${randomBytes(6).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await asServerAdmin((admin) =>
      admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(password)}`),
    );
    try {
      const runtimeUrl = new URL(database.url);
      runtimeUrl.username = role;
      runtimeUrl.password = password;
      const config = configFrom(dir.path, {
        'database.url': database.url,
        'database.runtime.url': runtimeUrl.toString(),
        'database.runtime.role': database.runtimeRole,
      });
      const ward = await openDatabase(config, quiet);
      try {
        assert.equal(ward.runtimeRole, role);
        const { rows } = await ward.pool.query<{ user: string }>('SELECT current_user AS user');
        assert.equal(rows[0]?.user, role);
        await ward.db
          .insertInto('ward.deployment_settings')
          .values({ key: 'granted', value: 'yes' })
          .execute();
        await assert.rejects(
          ward.pool.query('CREATE TABLE ward.planted (id int)'),
          (error: unknown) => (error as { code?: string }).code === '42501',
        );
        // The role it would otherwise manage was never created.
        const managed = await asServerAdmin((admin) =>
          admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [database.runtimeRole]),
        );
        assert.equal(managed.rowCount, 0);
      } finally {
        await ward.close();
      }
    } finally {
      await database.drop();
      await asServerAdmin((admin) => admin.query(`DROP ROLE IF EXISTS ${role}`));
      dir.remove();
    }
  });

  test('production refuses a superuser runtime role; development starts and warns', async () => {
    const database = await createTestDatabase();
    const dir = tempDir();
    try {
      // The owner's own connection, a superuser on the test server, given as the runtime role.
      const properties = { 'database.url': database.url, 'database.runtime.url': database.url };
      const production = configFrom(dir.path, { ...properties, 'app.mode': 'production' });
      await assert.rejects(openDatabase(production, quiet), (error: unknown) => {
        assert.ok(error instanceof DatabaseUnavailableError, String(error));
        assert.match(error.message, /the runtime database role has more than data access: .*is a superuser/);
        return true;
      });

      const log = recordingLog();
      const development = await openDatabase(configFrom(dir.path, properties), log);
      await development.close();
      assert.ok(
        log.warnings.some((w) => /more than data access: .*is a superuser/.test(w)),
        log.warnings.join('\n'),
      );
    } finally {
      await database.drop();
      dir.remove();
    }
  });
});

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// One constant key for every Ward node sharing a database: the first to arrive migrates, the
// others wait and then find nothing left to do.
const MIGRATION_LOCK_KEY = 7_391_024_118n;

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/**
 * The migrations in `dir`, in order. Two files with one version number (two branches each adding
 * the "next" migration) are refused: the database would record one and silently skip the other.
 */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const misnamed = files.filter((f) => !MIGRATION_FILE.test(f));
  if (misnamed.length > 0) {
    // Skipping such a file would leave its change unapplied without a word.
    throw new Error(
      `migration files must be named NNNN_lowercase_words.sql: rename ${misnamed.join(', ')} in ${dir}`,
    );
  }
  const migrations = files.sort().map((file) => {
    const sql = readFileSync(path.join(dir, file), 'utf8');
    return {
      version: file.slice(0, 4),
      name: file.slice(5, -4),
      sql,
      // Line endings do not count: a Windows checkout must match a database migrated from Linux.
      checksum: createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex'),
    };
  });
  migrations.forEach((migration, i) => {
    const previous = migrations[i - 1];
    if (previous?.version === migration.version) {
      throw new Error(
        `migrations ${previous.version}_${previous.name} and ${migration.version}_${migration.name} share version ${migration.version}: renumber the newer one`,
      );
    }
  });
  return migrations;
}

export interface MigrationResult {
  readonly applied: readonly string[];
}

/**
 * Runs `work` while holding the session-level advisory lock that every Ward node takes before
 * changing the schema or the runtime role, so that nodes starting together do it one after the
 * other. The lock is re-entrant within one connection.
 */
export async function withMigrationLock<T>(owner: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await owner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    return await work();
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
  }
}

/**
 * Applies every pending migration, each in its own transaction, under the migration lock. A
 * migration that was applied and later edited is refused: the database no longer matches the code.
 */
export async function migrate(
  owner: pg.ClientBase,
  migrations: readonly Migration[] = readMigrations(),
): Promise<MigrationResult> {
  return withMigrationLock(owner, async () => {
    await owner.query(`
      CREATE SCHEMA IF NOT EXISTS ward;
      CREATE SCHEMA IF NOT EXISTS ward_private;
      CREATE TABLE IF NOT EXISTS ward.schema_migrations (
        version     text PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await owner.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM ward.schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.version}_${migration.name} was changed after it was applied; restore the original file and add a new migration instead`,
          );
        }
        continue;
      }
      await owner.query('BEGIN');
      try {
        await owner.query(migration.sql);
        await owner.query(
          'INSERT INTO ward.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
          [migration.version, migration.name, migration.checksum],
        );
        await owner.query('COMMIT');
      } catch (error) {
        await owner.query('ROLLBACK');
        throw new Error(
          `migration ${migration.version}_${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      applied.push(`${migration.version}_${migration.name}`);
    }
    return { applied };
  });
}

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
// One constant key for every Ward node sharing a database: the first to arrive migrates, the
// others wait and then find nothing left to do.
const MIGRATION_LOCK_KEY = 7_391_024_118n;

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export interface MigrationResult {
  readonly applied: readonly string[];
}

/**
 * Applies every pending migration, each in its own transaction, while holding a session-level
 * advisory lock so that nodes starting together migrate one after the other. A migration that
 * was applied and later edited is refused: the database no longer matches the code.
 */
export async function migrate(
  owner: pg.ClientBase,
  migrations: readonly Migration[] = readMigrations(),
): Promise<MigrationResult> {
  await owner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
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
  } finally {
    await owner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
  }
}

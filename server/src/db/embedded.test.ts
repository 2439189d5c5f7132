import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { tempDir } from '../../test/harness.ts';
import { startEmbeddedPostgres, type EmbeddedLog } from './embedded.ts';

const quiet: EmbeddedLog = { debug: () => undefined, warn: () => undefined };

/** A temporary folder that the `postgres` system user may pass through when the tests run as root. */
function reachableTempDir(): { path: string; remove(): void } {
  const dir = tempDir('ward-embedded-');
  chmodSync(dir.path, 0o711);
  return dir;
}

async function setting(config: pg.ClientConfig, name: string): Promise<string | undefined> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>('SELECT current_setting($1) AS value', [name]);
    return rows[0]?.value;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  test('listens on a Unix socket inside the data folder and on no TCP port; a second start is refused', async () => {
    const dir = reachableTempDir();
    const dataDir = path.join(dir.path, 'data');
    try {
      const server = await startEmbeddedPostgres(dataDir, quiet);
      try {
        const host = String(server.superuser.host);
        assert.ok(host.startsWith(dataDir + path.sep), `socket folder ${host} is outside ${dataDir}`);
        assert.ok(statSync(path.join(host, `.s.PGSQL.${String(server.superuser.port)}`)).isSocket());
        assert.equal(await setting(server.superuser, 'listen_addresses'), '');

        await assert.rejects(
          startEmbeddedPostgres(dataDir, quiet),
          /the embedded PostgreSQL in .* is already running \(pid \d+\): is another Ward using data\.dir/,
        );
        // The refused start left the running server alone.
        assert.equal(await setting(server.superuser, 'listen_addresses'), '');
      } finally {
        await server.stop();
      }
      assert.equal(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), false);
      assert.equal(statSync(path.join(dataDir, 'postgres-superuser.password')).mode & 0o077, 0);
    } finally {
      dir.remove();
    }
  });

  test('falls back to a free loopback port, not 5432, when the folder is too long for a socket', async () => {
    const dir = reachableTempDir();
    const dataDir = path.join(
      dir.path,
      'a-data-folder-whose-path-is-longer-than-a-unix-socket-path-may-be',
      'data',
    );
    try {
      const server = await startEmbeddedPostgres(dataDir, quiet);
      try {
        assert.equal(server.superuser.host, '127.0.0.1');
        assert.notEqual(server.superuser.port, 5432);
        assert.equal(await setting(server.superuser, 'listen_addresses'), '127.0.0.1');
        assert.equal(await setting(server.superuser, 'unix_socket_directories'), '');
        // Anyone on the machine can reach a loopback port: without the password, nobody gets in.
        await assert.rejects(
          setting({ ...server.superuser, password: 'guess' }, 'listen_addresses'),
          (error: unknown) => {
            assert.equal((error as { code?: string }).code, '28P01');
            return true;
          },
        );
      } finally {
        await server.stop();
      }
    } finally {
      dir.remove();
    }
  });

  test(
    'as root, reports a parent folder the postgres user cannot enter instead of failing obscurely',
    { skip: userInfo().uid !== 0 && 'only root hands the server to the postgres user' },
    async () => {
      const dir = tempDir('ward-embedded-'); // mode 0700: closed to every other user
      try {
        await assert.rejects(startEmbeddedPostgres(path.join(dir.path, 'data'), quiet), (error: Error) => {
          assert.match(error.message, /system user "postgres", which cannot enter/);
          assert.ok(error.message.includes(`cannot enter ${dir.path} (mode 700)`), error.message);
          return true;
        });
      } finally {
        dir.remove();
      }
    },
  );
});

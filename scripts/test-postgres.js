// The PostgreSQL server that integration tests create their databases in: the one named by
// DATABASE_URL when it is set (CI points it at the machine's PostgreSQL), otherwise Ward's own
// embedded server, started once for the whole run in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { register } from 'tsx/esm/api';

export async function withTestPostgres(run) {
  if (process.env.DATABASE_URL) {
    console.log(`integration tests use the PostgreSQL server of DATABASE_URL`);
    return run({ TEST_DATABASE_URL: process.env.DATABASE_URL });
  }
  register();
  const { startEmbeddedPostgres } = await import('../server/src/db/embedded.ts');
  const dir = mkdtempSync(path.join(tmpdir(), 'ward-test-pg-'));
  const quiet = { debug: () => {}, warn: (m) => console.warn(m) };
  const server = await startEmbeddedPostgres(dir, quiet);
  const s = server.superuser;
  // A Unix socket goes in the `host` query parameter (pg reads it there), with a placeholder host
  // so that the URL stays parseable by WHATWG URL.
  const socket = String(s.host).startsWith('/');
  const url = socket
    ? `postgresql://${s.user}:${encodeURIComponent(s.password)}@localhost/postgres?host=${encodeURIComponent(s.host)}&port=${s.port}`
    : `postgresql://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/postgres`;
  console.log(`integration tests use an embedded PostgreSQL in ${dir}`);
  try {
    return await run({ TEST_DATABASE_URL: url });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs Ward's test suite with Node's own test runner: unit and integration tests of the server,
// then the browser tests. `node scripts/test.js server` runs the server's tests only.
//
// Integration tests need a PostgreSQL superuser connection to create one database per test. With
// DATABASE_URL set (CI sets it to the machine's PostgreSQL) they use that server; otherwise this
// script starts Ward's embedded PostgreSQL once for the whole run and stops it at the end.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv[2];

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const serverTests = findTests(path.join(root, 'server'));
const browserTests = only === 'server' ? [] : findTests(path.join(root, 'test'));
const files = [...serverTests, ...browserTests].map((f) => path.relative(root, f));

function withoutDatabaseUrl(environment) {
  const copy = { ...environment };
  delete copy.DATABASE_URL;
  return copy;
}

const { withTestPostgres } = await import('./test-postgres.js');
const status = await withTestPostgres(async (env) => {
  // Asynchronously, never spawnSync: this process reads the embedded PostgreSQL's log pipe, and a
  // blocked event loop lets that pipe fill until every PostgreSQL process stalls writing its log.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      // A test that hangs fails after five minutes instead of holding up the whole run.
      '--test-timeout=300000',
      '--test-reporter=spec',
      ...files,
    ],
    // DATABASE_URL is Ward's own setting too: keep it from reaching the Wards that tests start.
    { cwd: root, stdio: 'inherit', env: { ...withoutDatabaseUrl(process.env), ...env } },
  );
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  return signal ? 1 : (code ?? 1);
});
process.exit(status);

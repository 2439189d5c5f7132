import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { hashPassword } from '../auth/passwords/index.ts';
import { KEYS } from '../config/keys.ts';
import { migrate } from '../db/migrate.ts';
import {
  configFrom,
  createTestDatabase,
  tempDir,
  writeProperties,
  type TestDatabase,
} from '../../test/harness.ts';
import { DOCTOR_CHECKS } from './checks.ts';
import { runDoctor } from './run.ts';
import { makeCertificates, type TestCertificates } from './test-certificates.ts';

const STRONG_TOKEN_SECRET = 'Kq3v9ZxT2mLw8RbN5cYh1JdF7sGp4UaE6tHo0WiX';
const STRONG_2FA_KEY = 'n4Rz8QwE2tYu6IoP0aSd3FgH7jKl1ZxC5vBm9NqW';
const STRONG_ADMIN_PASSWORD = 'violet tractor hums under seven moons';

const TITLES = {
  admin: '1. Change the default admin password',
  https: '2. Verify that the environment uses HTTPS',
  ports: '3. Do not leave any ports open other than 443',
  recaptcha: '4. Configure reCAPTCHA',
  twoFactor: '5. Configure two-factor authentication',
  token: '6. Change the token.secret property',
  roles: '7. Use different database users and manage their roles',
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface DoctorRun {
  readonly status: number;
  readonly lines: readonly string[];
  /** The verdict lines, without the header, the fixes and the summary. */
  readonly verdicts: readonly string[];
  readonly statuses: readonly string[];
}

async function doctor(properties: Record<string, string>): Promise<DoctorRun> {
  const lines: string[] = [];
  // The audit-chain check has its own tests (audit/); these follow the guide's items.
  const status = await runDoctor(configFrom(dir.path, properties), (line) => lines.push(line), {
    checks: DOCTOR_CHECKS.filter((c) => c.id !== 'audit-chain'),
  });
  const verdicts = lines.filter((line) => /^(PASS|WARN|FAIL) {2}/.test(line));
  return { status, lines, verdicts, statuses: verdicts.map((line) => line.slice(0, 4)) };
}

/** Gives the built-in admin this password, as the test database's superuser would. */
/** The administrators' two-factor check only looks at whether an enrolment exists. */
async function enrolAdminInTwoFactor(database: TestDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO ward.two_factor (user_id, secret_ciphertext, enabled_at)
       SELECT id, 'v1.test.test.test', now() FROM ward.users WHERE username = 'admin'
       ON CONFLICT (user_id) DO NOTHING`,
    );
  } finally {
    await client.end();
  }
}

async function setAdminPassword(database: TestDatabase, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await migrate(client);
    await client.query(
      `INSERT INTO ward.users (id, username, display_name, password_hash, is_system_admin)
       VALUES ($1, 'admin', 'System administrator', $2, true)
       ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash`,
      [uuidv7(), await hashPassword(password)],
    );
  } finally {
    await client.end();
  }
}

const dir = tempDir('ward-doctor-');
let certificates: TestCertificates;
let database: TestDatabase;

before(() => {
  certificates = makeCertificates(dir.path);
});
after(() => {
  dir.remove();
});
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.drop();
});

function development(properties: Record<string, string> = {}): Record<string, string> {
  return {
    'data.dir': path.join(dir.path, 'data'),
    'database.url': database.url,
    'database.runtime.role': database.runtimeRole,
    ...properties,
  };
}

function strongProduction(properties: Record<string, string> = {}): Record<string, string> {
  return development({
    'app.mode': 'production',
    'server.port': '443',
    'server.ssl.certificate': certificates.issued.certificate,
    'server.ssl.key': certificates.issued.key,
    'google.recaptcha.enable': 'true',
    'google.recaptcha.site.key': 'test-site-key',
    'google.recaptcha.secret.key': 'test-secret-key',
    'app.feature.HABILITAR_2FA': 'true',
    'token.secret': STRONG_TOKEN_SECRET,
    'auth.2fa.password': STRONG_2FA_KEY,
    ...properties,
  });
}

describe('ward doctor', () => {
  test('a fresh development deployment: warnings for what development leaves open, exit 0', async () => {
    const run = await doctor(development());
    const verdicts = [...run.verdicts];
    // The test server is reached over loopback TCP or a Unix socket, depending on the run.
    const [databasePort] = verdicts.splice(3, 1);
    assert.match(
      databasePort ?? '',
      new RegExp(`^PASS {2}${escape(TITLES.ports)} — database\\.url uses (loopback \\S+|a Unix socket)$`),
    );
    assert.deepEqual(verdicts, [
      `WARN  ${TITLES.admin} — there is no admin account yet: Ward creates it on its first start`,
      `WARN  ${TITLES.https} — development mode serves plain HTTP`,
      `PASS  ${TITLES.ports} — one port serves the API and the web UI: 127.0.0.1:8080, loopback only in development`,
      `WARN  ${TITLES.recaptcha} — reCAPTCHA is off: nothing slows down automated password guessing at sign-in`,
      `WARN  ${TITLES.twoFactor} — two-factor authentication is off: a guessed or stolen password is enough to open patient records`,
      `WARN  ${TITLES.twoFactor} — auth.2fa.password is generated for development (kept in data.dir)`,
      `WARN  ${TITLES.token} — token.secret is generated for development (kept in data.dir)`,
      `PASS  ${TITLES.roles} — the server runs as "${database.runtimeRole}" with data access only; migrations run as "${new URL(database.url).username}"`,
    ]);
    // Every warning is followed by its fix.
    for (const [index, line] of run.lines.entries()) {
      if (line.startsWith('WARN') || line.startsWith('FAIL'))
        assert.match(run.lines[index + 1] ?? '', /^ +fix: /);
    }
    assert.equal(run.lines.at(-1), '3 passed, 6 warnings, 0 failed');
    assert.equal(run.status, 0);
  });

  test('a production configuration with the guide’s defaults fails item by item, exit 1, no secret shown', async () => {
    const run = await doctor(
      development({
        'app.mode': 'production',
        'admin.password': 'admin',
        'token.secret': 'changeme',
        'auth.2fa.password': 'encriptar',
      }),
    );
    assert.deepEqual(run.statuses, ['FAIL', 'FAIL', 'WARN', 'PASS', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'PASS']);
    assert.match(run.verdicts[0] ?? '', /first start will refuse this admin\.password/);
    assert.match(run.verdicts[1] ?? '', /server\.ssl\.certificate and server\.ssl\.key are not set/);
    assert.match(run.verdicts[6] ?? '', /auth\.2fa\.password is a well-known default/);
    assert.match(run.verdicts[7] ?? '', /token\.secret is a well-known default/);
    const output = run.lines.join('\n');
    assert.ok(!output.includes('changeme'), 'token.secret shown');
    assert.ok(!output.includes('encriptar'), 'auth.2fa.password shown');
    assert.equal(run.lines.at(-1), '2 passed, 1 warning, 6 failed');
    assert.equal(run.status, 1);
  });

  test('an admin whose password is still "admin" fails', async () => {
    await setAdminPassword(database, 'admin');
    const run = await doctor(development());
    assert.equal(
      run.verdicts[0],
      `FAIL  ${TITLES.admin} — the admin account still accepts a well-known default password`,
    );
    assert.match(run.lines[run.lines.indexOf(run.verdicts[0]) + 1] ?? '', /sign in as admin and change/);
    assert.equal(run.status, 1);
  });

  test('an admin whose password is the weak admin.password of the file fails', async () => {
    await setAdminPassword(database, 'Summer2024!');
    const run = await doctor(development({ 'admin.password': 'Summer2024!' }));
    assert.equal(
      run.verdicts[0],
      `FAIL  ${TITLES.admin} — the admin account still accepts the weak admin.password of the properties file`,
    );
    assert.ok(!run.lines.join('\n').includes('Summer2024!'));
    assert.equal(run.status, 1);
  });

  test('a strong admin password passes; left in plain text in the file it is a warning', async () => {
    await setAdminPassword(database, STRONG_ADMIN_PASSWORD);
    const clean = await doctor(development({ 'admin.password': 'another strong pass phrase, unused now' }));
    assert.equal(clean.statuses[0], 'PASS');
    const inFile = await doctor(development({ 'admin.password': STRONG_ADMIN_PASSWORD }));
    assert.equal(
      inFile.verdicts[0],
      `WARN  ${TITLES.admin} — the properties file holds the admin's current password in plain text`,
    );
  });

  test('a runtime connection as a superuser fails the database roles item', async () => {
    const run = await doctor(development({ 'database.runtime.url': database.url }));
    const roles = run.verdicts.at(-1) ?? '';
    assert.ok(roles.startsWith(`FAIL  ${TITLES.roles} — `), roles);
    assert.match(roles, /the schema owner that runs migrations/);
    assert.match(roles, /is a superuser/);
    assert.ok(!run.lines.join('\n').includes(new URL(database.url).password || '\u0000'));
    assert.equal(run.status, 1);
  });

  test('a strong, complete production deployment passes every item, exit 0', async () => {
    await setAdminPassword(database, STRONG_ADMIN_PASSWORD);
    await enrolAdminInTwoFactor(database);
    const run = await doctor(strongProduction());
    assert.deepEqual(
      run.verdicts.filter((line) => !line.startsWith('PASS')),
      [],
    );
    assert.equal(run.verdicts.length, 10);
    assert.match(run.verdicts[1] ?? '', /certificate for DNS:ward\.example, valid until/);
    assert.equal(run.lines.at(-1), '10 passed, 0 warnings, 0 failed');
    assert.equal(run.status, 0);
  });

  test('an unreachable database fails the items that need it and still judges the rest', async () => {
    const run = await doctor(strongProduction({ 'database.url': 'postgres://ward@127.0.0.1:1/ward' }));
    assert.deepEqual(run.statuses, [
      'FAIL',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'FAIL',
      'PASS',
      'PASS',
      'FAIL',
    ]);
    assert.match(run.verdicts[0] ?? '', /cannot check, the database is unreachable/);
    assert.equal(run.status, 1);
  });

  test('`ward doctor --config FILE` prints the report and exits 1 on a failure', async () => {
    const file = writeProperties(
      dir.path,
      development({ 'app.mode': 'production', 'token.secret': 'changeme' }),
      'cli.properties',
    );
    const root = path.resolve(import.meta.dirname, '../../..');
    // The child reads its settings from the file alone.
    const settings = new Set(KEYS.flatMap((key) => [key.env, ...(key.envAliases ?? [])]));
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !settings.has(name)));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, 'bin/ward.js'), 'doctor', '--config', file],
        { cwd: root, env },
        (error, out) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out });
        },
      );
    });
    assert.match(
      stdout,
      new RegExp(`^FAIL {2}${escape(TITLES.token)} — token\\.secret is a well-known default`, 'm'),
    );
    assert.match(stdout, / failed\n$/);
    assert.ok(!stdout.includes('changeme'));
    assert.equal(code, 1);
  });
});

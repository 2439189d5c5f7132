import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createPatient, signedInMember, type Member } from '../patients/test-support.ts';
import { startWard, tempDir, wardProcessEnv, writeProperties, type RunningWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';
import { auditKeyFrom } from './log.ts';
import { verifyAuditTrail } from './verify.ts';

// The audit trail against someone with database access: the server's own role cannot rewrite or
// erase it, and whatever the schema owner does by hand (change, delete, delete with its seal,
// insert a forged row) the real `ward audit-verify` command reports, naming the row. Concurrent
// writers all end up in one gap-free chain.

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const wardBin = path.join(repoRoot, 'bin/ward.js');
// Loading the CLI takes seconds on a busy machine; past this the child is killed and the test fails.
const CLI_PATIENCE_MS = 90_000;

const tokenSecret = randomBytes(32).toString('base64url');
let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let owner: pg.Client;
let ownerPool: pg.Pool;
let member: Member;
let cliDir: { path: string; remove(): void };
let cliConfig: string;

before(async () => {
  ward = await startWard({ properties: { 'token.secret': tokenSecret } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  owner = new pg.Client({ connectionString: ward.database.url });
  await owner.connect();
  ownerPool = new pg.Pool({ connectionString: ward.database.url, max: 2 });
  member = await signedInMember(app, db, true, ['doctor']);
  cliDir = tempDir('ward-audit-verify-');
  // What an operator's node would hold: the same database and the same token.secret, nothing else.
  cliConfig = writeProperties(cliDir.path, {
    'database.url': ward.database.url,
    'database.runtime.role': ward.database.runtimeRole,
    'token.secret': tokenSecret,
    'data.dir': path.join(cliDir.path, 'data'),
    'log.level': 'silent',
  });
});

after(async () => {
  await owner.end();
  await ownerPool.end();
  await db.destroy();
  await ward.stop();
  cliDir.remove();
});

/** Runs `ward audit-verify --config FILE` as an operator would. */
function auditVerify(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wardBin, 'audit-verify', '--config', cliConfig], {
      cwd: cliDir.path,
      env: wardProcessEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_PATIENCE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function count(table: 'ward.audit_events' | 'ward.audit_seals'): Promise<number> {
  const { rows } = await owner.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

/** Waits until the sealer (every second) has sealed every audit row. */
async function waitForSealing(): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = await count('ward.audit_events');
    if (events > 0 && (await count('ward.audit_seals')) === events) return events;
    assert.ok(Date.now() < deadline, 'the sealer did not seal every audit row within 30 s');
    await sleep(200);
  }
}

async function assertVerifies(): Promise<void> {
  const outcome = await auditVerify();
  assert.equal(outcome.status, 0, `audit-verify failed:\n${outcome.stdout}${outcome.stderr}`);
  assert.match(outcome.stdout, /^OK: /m);
}

/** The same check in process: quicker, for confirming that an undone tampering leaves no trace. */
async function assertVerifiesInProcess(): Promise<void> {
  const report = await verifyAuditTrail(ownerPool, [auditKeyFrom(tokenSecret)]);
  assert.equal(report.firstProblem, undefined, report.firstProblem?.message);
}

async function assertReported(pattern: RegExp): Promise<string> {
  const outcome = await auditVerify();
  assert.equal(outcome.status, 1, `audit-verify did not fail:\n${outcome.stdout}${outcome.stderr}`);
  assert.match(outcome.stdout, /^FAILED: /m);
  assert.match(outcome.stdout, pattern);
  return outcome.stdout;
}

/** A sealed audit row in the middle of the chain: its id and its seal's number. */
async function middleRow(offset: number): Promise<{ id: string; chainSeq: string }> {
  const { rows } = await owner.query<{ id: string; chain_seq: string }>(
    `SELECT e.id::text AS id, s.chain_seq::text AS chain_seq
       FROM ward.audit_events e JOIN ward.audit_seals s ON s.event_id = e.id
      ORDER BY s.chain_seq OFFSET $1 LIMIT 1`,
    [offset],
  );
  const row = rows[0];
  assert.ok(row, `no sealed row at offset ${String(offset)}`);
  return { id: row.id, chainSeq: row.chain_seq };
}

/** Runs statements in one transaction of the owner's connection. */
async function asOwner(...statements: [string, unknown[]?][]): Promise<void> {
  await owner.query('BEGIN');
  try {
    for (const [text, values] of statements) await owner.query(text, values);
    await owner.query('COMMIT');
  } catch (error) {
    await owner.query('ROLLBACK');
    throw error;
  }
}

describe('many concurrent audit writers', () => {
  test('200 parallel searches end up in one gap-free chain that verifies', async () => {
    await createPatient(member, { familyName: 'Chained' });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => member.request('GET', '/patients?q=chained')),
    );
    assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([200]));
    const events = await waitForSealing();
    assert.ok(events >= 202, `${String(events)} audit rows`);
    const { rows } = await owner.query<{ chain_seq: string }>(
      'SELECT chain_seq FROM ward.audit_seals ORDER BY chain_seq',
    );
    assert.deepEqual(
      rows.map((r) => Number(r.chain_seq)),
      Array.from({ length: events }, (_, i) => i + 1),
    );
    const { rows: unsealed } = await owner.query(
      'SELECT id FROM ward.audit_events e WHERE NOT EXISTS (SELECT 1 FROM ward.audit_seals s WHERE s.event_id = e.id)',
    );
    assert.equal(unsealed.length, 0);
    await assertVerifies();
  });
});

describe("the server's runtime role", () => {
  let runtime: pg.Client;

  before(async () => {
    // Log in as the runtime role for real, with the password Ward keeps for it.
    const { rows } = await owner.query<{ password: string }>(
      'SELECT password FROM ward_private.runtime_credentials WHERE role_name = $1',
      [ward.database.runtimeRole],
    );
    const url = new URL(ward.database.url);
    url.username = ward.database.runtimeRole;
    url.password = rows[0]?.password ?? '';
    runtime = new pg.Client({ connectionString: url.toString() });
    await runtime.connect();
  });

  after(async () => {
    await runtime.end();
  });

  /** The SQLSTATE the runtime role gets for `statement` (rolled back either way), or 'ok'. */
  async function outcomeOf(statement: string): Promise<string> {
    await runtime.query('BEGIN');
    try {
      await runtime.query(statement);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await runtime.query('ROLLBACK');
    }
  }

  test('is who the connection says, and may read and append to the trail', async () => {
    const { rows } = await runtime.query<{ user: string }>('SELECT current_user AS user');
    assert.equal(rows[0]?.user, ward.database.runtimeRole);
    assert.equal(await outcomeOf('SELECT count(*) FROM ward.audit_events'), 'ok');
    assert.equal(await outcomeOf('SELECT count(*) FROM ward.audit_seals'), 'ok');
  });

  test('cannot UPDATE, DELETE or TRUNCATE audit rows or seals, nor drop or alter them', async () => {
    const { id, chainSeq } = await middleRow(1);
    const statements = [
      `UPDATE ward.audit_events SET outcome = 'denied' WHERE id = ${id}`,
      `DELETE FROM ward.audit_events WHERE id = ${id}`,
      'TRUNCATE ward.audit_events',
      `UPDATE ward.audit_seals SET hash = '\\x00' WHERE chain_seq = ${chainSeq}`,
      `DELETE FROM ward.audit_seals WHERE chain_seq = ${chainSeq}`,
      'TRUNCATE ward.audit_seals',
      'DROP TABLE ward.audit_events',
      'ALTER TABLE ward.audit_seals DROP COLUMN hash',
      // Nor switch off the guard of signed notes.
      'ALTER TABLE ward.clinical_notes DISABLE TRIGGER clinical_notes_signed_immutable',
    ];
    const outcomes: string[] = [];
    for (const statement of statements) outcomes.push(`${statement} → ${await outcomeOf(statement)}`);
    // 42501: insufficient privilege (permission denied / must be owner).
    assert.deepEqual(
      outcomes,
      statements.map((s) => `${s} → 42501`),
    );
  });
});

describe('tampering by the schema owner, found by ward audit-verify', () => {
  before(async () => {
    await waitForSealing();
    await assertVerifiesInProcess();
  });

  test('an UPDATE of a sealed row is reported, naming the row; undoing it verifies again', async () => {
    const { id } = await middleRow(5);
    const { rows } = await owner.query<{ actor_username: string }>(
      'SELECT actor_username FROM ward.audit_events WHERE id = $1',
      [id],
    );
    const original = rows[0]?.actor_username ?? null;
    await asOwner([`UPDATE ward.audit_events SET actor_username = 'someone.else' WHERE id = $1`, [id]]);
    await assertReported(new RegExp(`audit row ${id} \\(seal \\d+\\) was changed`));
    await asOwner(['UPDATE ward.audit_events SET actor_username = $2 WHERE id = $1', [id, original]]);
    await assertVerifiesInProcess();
  });

  test('a DELETE of a sealed row is reported, naming the row', async () => {
    const { id } = await middleRow(10);
    await asOwner(
      [`CREATE TEMP TABLE deleted_event AS SELECT * FROM ward.audit_events WHERE id = ${id}`],
      ['DELETE FROM ward.audit_events WHERE id = $1', [id]],
    );
    await assertReported(new RegExp(`audit row ${id} \\(seal \\d+\\) was deleted`));
    await asOwner(
      ['INSERT INTO ward.audit_events OVERRIDING SYSTEM VALUE SELECT * FROM deleted_event'],
      ['DROP TABLE deleted_event'],
    );
    await assertVerifiesInProcess();
  });

  test('a DELETE of a row together with its seal leaves a gap that is reported', async () => {
    const { id, chainSeq } = await middleRow(20);
    await asOwner(
      [`CREATE TEMP TABLE cut_event AS SELECT * FROM ward.audit_events WHERE id = ${id}`],
      [`CREATE TEMP TABLE cut_seal AS SELECT * FROM ward.audit_seals WHERE chain_seq = ${chainSeq}`],
      ['DELETE FROM ward.audit_seals WHERE chain_seq = $1', [chainSeq]],
      ['DELETE FROM ward.audit_events WHERE id = $1', [id]],
    );
    await assertReported(new RegExp(`seals ${chainSeq} to ${chainSeq} are missing`));
    // Put back together (seal first, in one transaction, so the sealer never sees the row unsealed).
    await asOwner(
      ['INSERT INTO ward.audit_seals SELECT * FROM cut_seal'],
      ['INSERT INTO ward.audit_events OVERRIDING SYSTEM VALUE SELECT * FROM cut_event'],
      ['DROP TABLE cut_seal'],
      ['DROP TABLE cut_event'],
    );
    await assertVerifiesInProcess();
  });

  test('a forged row inserted out of band is reported, even with a MAC copied from a real one', async () => {
    const { rows } = await owner.query<{ id: string }>(
      `INSERT INTO ward.audit_events (event_id, institution_id, actor_id, actor_username, action, outcome, ip, user_agent, mac)
       SELECT gen_random_uuid(), institution_id, actor_id, actor_username, 'patient.read', 'success', ip, user_agent, mac
         FROM ward.audit_events WHERE action = 'patient.search' ORDER BY id DESC LIMIT 1
       RETURNING id::text`,
    );
    const forged = rows[0]?.id;
    assert.ok(forged);
    // Reported whether or not the sealer has sealed it yet; wait, so the chain itself is no excuse.
    await waitForSealing();
    await assertReported(new RegExp(`audit row ${forged} .*was not written by Ward`));
  });
});

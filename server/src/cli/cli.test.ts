// The `ward` command as an operator runs it: a child process, its exit status and what it prints.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEYS } from '../config/keys.ts';
import { wardProcessEnv } from '../../test/harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const wardBin = path.join(repoRoot, 'bin/ward.js');
// A failure to start must be reported, never turn into a hang: past this the child is killed and
// the test fails. Generous, because merely loading the CLI takes seconds on a busy machine.
const PATIENCE_MS = 60_000;

const root = mkdtempSync(path.join(tmpdir(), 'ward-cli-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Outcome {
  readonly status: number | null;
  /** Set when the child had to be killed because it did not finish by itself. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function ward(args: readonly string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wardBin, ...args], {
      cwd,
      env: wardProcessEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, PATIENCE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, killed, stdout, stderr });
    });
  });
}

/** A fresh working directory holding `ward.properties` with these lines. */
function workingDirectory(lines: readonly string[]): string {
  const dir = mkdtempSync(path.join(root, 'node-'));
  writeFileSync(path.join(dir, 'ward.properties'), lines.join('\n') + '\n');
  return dir;
}

function assertFailedPromptly(outcome: Outcome): void {
  assert.equal(outcome.killed, false, `still running after ${PATIENCE_MS} ms:\n${outcome.stderr}`);
  assert.notEqual(outcome.status, 0, `exit status 0; stderr:\n${outcome.stderr}`);
  assert.notEqual(outcome.status, null);
}

void describe('ward (child process)', { concurrency: true }, () => {
  void test('a malformed properties file: non-zero exit, stderr names the line', async () => {
    const cwd = workingDirectory(['# node 1', 'server.port=8080', 'token.secert=abc', 'justakey']);
    const outcome = await ward(['start', '--config', 'ward.properties'], cwd);
    assertFailedPromptly(outcome);
    assert.match(
      outcome.stderr,
      /ward\.properties line 3: unknown key "token\.secert" \(did you mean "token\.secret"\?\)/,
    );
    assert.match(outcome.stderr, /ward\.properties line 4: .*key=value/);
    assert.equal(outcome.stdout, '', 'nothing started, nothing announced');
  });

  void test('production without TLS and with weak secrets: non-zero exit, every problem listed', async () => {
    const cwd = workingDirectory([
      'app.mode=production',
      'token.secret=encriptar',
      'auth.2fa.password=too-short',
      'database.url=postgres://nobody@127.0.0.1:1/x',
    ]);
    const outcome = await ward(['start', '--config', 'ward.properties'], cwd);
    assertFailedPromptly(outcome);
    const problems = outcome.stderr.split('\n').filter((line) => line.startsWith('  - '));
    assert.equal(problems.length, 3, outcome.stderr);
    assert.ok(problems.some((p) => p.includes('server.ssl.certificate') && p.includes('server.ssl.key')));
    assert.ok(problems.some((p) => p.includes('token.secret is a well-known default')));
    assert.ok(problems.some((p) => p.includes('auth.2fa.password is shorter than 32 bytes')));
    assert.ok(!outcome.stderr.includes('too-short'), 'a weak secret is not repeated');
    // Refused before anything else: no attempt to reach the database.
    assert.ok(!outcome.stderr.includes('PostgreSQL'), outcome.stderr);
  });

  void test('an unreachable database: a clear message and non-zero exit, without hanging', async () => {
    const cwd = workingDirectory(['database.url=postgres://nobody:hunter2-db-password@127.0.0.1:1/x']);
    const outcome = await ward(['start', '--config', 'ward.properties'], cwd);
    assertFailedPromptly(outcome);
    assert.match(outcome.stderr, /cannot connect to PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:1\/x/);
    assert.match(outcome.stderr, /database\.url/);
    assert.ok(!outcome.stderr.includes('hunter2'), 'the database password is not printed');
    assert.ok(!outcome.stdout.includes('hunter2'), 'the database password is not logged');
    assert.ok(!/^\s+at /m.test(outcome.stderr), 'a message, not a stack trace');
  });

  void test('config-reference prints the table of every key', async () => {
    const outcome = await ward(['config-reference'], mkdtempSync(path.join(root, 'ref-')));
    assert.equal(outcome.status, 0, outcome.stderr);
    assert.ok(outcome.stdout.startsWith('| key | environment | default | meaning |\n|---|---|---|---|\n'));
    for (const spec of KEYS) assert.ok(outcome.stdout.includes(`| \`${spec.key}\``), spec.key);
  });

  void test('an unknown command exits 2 with the usage', async () => {
    const outcome = await ward(['strat'], mkdtempSync(path.join(root, 'unknown-')));
    assert.equal(outcome.status, 2, outcome.stderr);
    assert.match(outcome.stderr, /unknown command "strat"/);
    assert.match(outcome.stderr, /Usage: ward <command>/);
  });
});

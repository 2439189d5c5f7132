// Test support for two-factor tests: codes from an independent TOTP generator (oath-toolkit's
// `oathtool`), enrolment and second-factor sign-in over Ward's real HTTP routes, and extra Ward nodes
// sharing one database, as a multi-node deployment has.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createInstitution } from '../identity/store.ts';
import { startWard, type RunningWard, type StartOptions } from '../main.ts';
import { configFrom, tempDir, type TestDatabase } from '../../test/harness.ts';
import { bearer, login } from '../../test/sign-in.ts';

const run = promisify(execFile);

/** One TOTP time step, in milliseconds. */
export const STEP_MS = 30_000;

/** The repository's root, where `bin/ward.js` lives. */
export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * The code an authenticator app shows at `at` (default now), computed by oath-toolkit rather than by
 * the library Ward itself uses, so that a shared mistake cannot hide.
 */
export async function oathtoolCode(secretBase32: string, at: number = Date.now()): Promise<string> {
  const { stdout } = await run('oathtool', [
    '--totp',
    '-b',
    secretBase32,
    '--now',
    `@${String(Math.floor(at / 1000))}`,
  ]);
  const code = stdout.trim();
  assert.match(code, /^[0-9]{6}$/, `oathtool printed ${JSON.stringify(stdout)}`);
  return code;
}

/** A well-formed code that is not valid near now: the code of a step an hour away. */
export function staleCode(secretBase32: string): Promise<string> {
  return oathtoolCode(secretBase32, Date.now() - 3600_000);
}

/**
 * Waits (at most a few seconds, never a whole step) until the current step has at least `marginMs` left,
 * for tests whose expectations depend on which step the server's clock is in.
 */
export async function awayFromStepBoundary(marginMs = 5000): Promise<void> {
  const intoStep = Date.now() % STEP_MS;
  if (intoStep > STEP_MS - marginMs) {
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - intoStep + 250));
  }
}

/** An institution that has switched two-factor authentication on ("if the option does not appear…"). */
export async function createTwoFactorInstitution(db: Kysely<Schema>, enabled = true): Promise<string> {
  const name = `Clinic ${randomBytes(5).toString('hex')}`;
  return (await createInstitution(db, { name, timeZone: 'UTC', twoFactorEnabled: enabled })).id;
}

export interface Enrolment {
  readonly otpauthUri: string;
  /** As Ward shows it: base32 in groups of four. */
  readonly secret: string;
  readonly qrSvg: string;
}

/** Base32 without the spaces Ward adds for reading, as `oathtool -b` and authenticator apps take it. */
export function compactSecret(shown: string): string {
  return shown.replace(/\s+/g, '');
}

export function beginEnrolment(
  app: WardApp,
  token: string,
  password: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/me/2fa',
    headers: bearer(token),
    payload: { password },
  });
}

export function confirmEnrolment(app: WardApp, token: string, code: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/me/2fa/confirm',
    headers: bearer(token),
    payload: { code },
  });
}

/**
 * Enrols the signed-in user over HTTP as the profile dialog does: password, secret, then the code of the
 * current step (which is then used up). Returns the secret (compact base32) and the recovery codes.
 */
export async function enrolOverHttp(
  app: WardApp,
  token: string,
  password: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const begun = await beginEnrolment(app, token, password);
  assert.equal(begun.statusCode, 200, `enrolment refused: ${begun.body}`);
  const secret = compactSecret(begun.json<Enrolment>().secret);
  const confirmed = await confirmEnrolment(app, token, await oathtoolCode(secret));
  assert.equal(confirmed.statusCode, 200, `confirmation refused: ${confirmed.body}`);
  return { secret, recoveryCodes: confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

/** The password step of a user with two-factor: the challenge it answers with. */
export async function passwordStep(
  app: WardApp,
  input: { username: string; password: string; remoteAddress?: string },
): Promise<{ challenge: string; expiresAt: string }> {
  const response = await login(app, input);
  assert.equal(response.statusCode, 200, `password step failed: ${response.body}`);
  const body = response.json<{ secondFactor?: { challenge: string; expiresAt: string } }>();
  assert.ok(body.secondFactor, `a second factor was expected, got ${response.body}`);
  return body.secondFactor;
}

export function answerChallenge(
  app: WardApp,
  payload: { challenge: string; code?: string; recoveryCode?: string },
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/auth/login/second-factor',
    headers: { 'user-agent': 'ward-tests/1.0' },
    payload: { ...payload, tokenDelivery: 'bearer' },
  });
}

/** Both steps of a sign-in with a TOTP code; returns the session token. */
export async function signInWithCode(
  app: WardApp,
  user: { username: string; password: string },
  code: string,
): Promise<string> {
  const { challenge } = await passwordStep(app, user);
  const answered = await answerChallenge(app, { challenge, code });
  assert.equal(answered.statusCode, 200, `second factor refused: ${answered.body}`);
  const body = answered.json<{ state: string; token: string }>();
  assert.equal(body.state, 'active');
  return body.token;
}

/** The reason Ward gives for refusing a second factor (`code_invalid`, `code_used`, …). */
export function refusalReason(response: LightMyRequestResponse): string | undefined {
  return response.json<{ error: { details?: { reason?: string } } }>().error.details?.reason;
}

export function twoFactorStatus(app: WardApp, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/me/2fa', headers: bearer(token) });
}

export interface Node {
  readonly ward: RunningWard;
  readonly app: WardApp;
  stop(): Promise<void>;
}

/** Properties of a node of the deployment that owns `database` (a second server on the same database). */
export function nodeProperties(
  database: TestDatabase,
  dataDir: string,
  properties: Record<string, string>,
): Record<string, string> {
  return {
    'server.port': '0',
    'data.dir': dataDir,
    'database.url': database.url,
    'database.runtime.role': database.runtimeRole,
    'log.level': 'silent',
    ...properties,
  };
}

/** Starts another Ward node on an existing test database; rejects as `startWard` does. */
export async function startNode(
  database: TestDatabase,
  properties: Record<string, string>,
  options: StartOptions = {},
): Promise<Node> {
  const dir = tempDir('ward-node-');
  try {
    const config = configFrom(dir.path, nodeProperties(database, path.join(dir.path, 'data'), properties));
    const ward = await startWard(config, { logger: false, announce: () => undefined, ...options });
    return {
      ward,
      app: ward.app,
      stop: async () => {
        await ward.stop();
        dir.remove();
      },
    };
  } catch (error) {
    dir.remove();
    throw error;
  }
}

/** The environment of an operator's shell: none of the test run's database or Ward settings. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'DATABASE_URL' || name === 'TEST_DATABASE_URL' || name.startsWith('WARD_')) continue;
    env[name] = value;
  }
  return env;
}

/** Runs `node bin/ward.js <args>` as an operator would, with a clean environment. */
export async function runWardCli(
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(REPOSITORY_ROOT, 'bin/ward.js'), ...args],
      {
        cwd: REPOSITORY_ROOT,
        env: cleanEnvironment(),
        timeout: 60_000,
      },
    );
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { status: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

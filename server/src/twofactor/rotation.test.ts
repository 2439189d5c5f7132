import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { configFrom, startWard, tempDir, writeProperties, type RunningWard } from '../../test/harness.ts';
import { rotateTwoFactorKeyCommand, UsageError } from '../cli/identity-commands.ts';
import { signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, type TestUser } from '../../test/users.ts';
import { deriveSecretKey, keyIdOf } from './core/index.ts';
import { TwoFactorKeyMismatchError } from './keys.ts';
import {
  answerChallenge,
  beginEnrolment,
  compactSecret,
  confirmEnrolment,
  createTwoFactorInstitution,
  enrolOverHttp,
  nodeProperties,
  oathtoolCode,
  passwordStep,
  runWardCli,
  startNode,
  STEP_MS,
  type Enrolment,
  type Node,
} from './test-support.ts';

// Changing auth.2fa.password on a live deployment, as the operator guide says: every node gets the new
// key with the old one as `.previous`, `ward rotate-2fa-key` re-encrypts, then the old key goes away.
// Sign-ins keep working at every stage, and a node left with only the old key refuses to start.

const KEY_A = `the original two-factor key ${randomBytes(12).toString('hex')}`;
const KEY_B = `the replacement two-factor key ${randomBytes(12).toString('hex')}`;
const TOKEN_SECRET = `token secret of this deployment ${randomBytes(12).toString('hex')}`;
const COMMON = { 'app.feature.HABILITAR_2FA': 'true', 'token.secret': TOKEN_SECRET };

let ward: RunningWard;
let db: Kysely<Schema>;
const nodes: Node[] = [];

before(async () => {
  ward = await startWard({ properties: { ...COMMON, 'auth.2fa.password': KEY_A } });
  db = ownerDb(ward.database.url);
});

after(async () => {
  for (const node of nodes) await node.stop();
  await db.destroy();
  await ward.stop();
});

async function node(properties: Record<string, string>): Promise<Node> {
  const started = await startNode(ward.database, { ...COMMON, ...properties });
  nodes.push(started);
  return started;
}

/** The id every ciphertext under `passphrase` carries, derived with the deployment's salt. */
async function keyIdFor(passphrase: string): Promise<string> {
  const row = await db
    .selectFrom('ward.deployment_settings')
    .select('value')
    .where('key', '=', 'twofactor.kdf_salt')
    .executeTakeFirstOrThrow();
  return (await deriveSecretKey(passphrase, Buffer.from(row.value, 'base64'))).id;
}

async function storedKeyIds(): Promise<string[]> {
  const rows = await db
    .selectFrom('ward.two_factor')
    .select(['secret_ciphertext', 'pending_ciphertext'])
    .execute();
  return rows
    .flatMap((r) => [r.secret_ciphertext, r.pending_ciphertext])
    .filter((c): c is string => c !== null)
    .map(keyIdOf);
}

async function signInWithTotp(app: Node['app'], user: TestUser, code: string): Promise<number> {
  const { challenge } = await passwordStep(app, user);
  const answered = await answerChallenge(app, { challenge, code });
  return answered.statusCode;
}

/** Stands in for the clock moving on: makes the user's used steps usable again. */
async function forgetUsedSteps(userId: string): Promise<void> {
  await db
    .updateTable('ward.two_factor')
    .set({ last_used_step: sql<string>`last_used_step - 3` })
    .where('user_id', '=', userId)
    .execute();
}

function nodeConfig(dir: string, properties: Record<string, string>): Record<string, string> {
  return nodeProperties(ward.database, path.join(dir, 'data'), properties);
}

test('rotating auth.2fa.password keeps every sign-in working and retires the old key', async () => {
  const institution = await createTwoFactorInstitution(db);
  const idA = await keyIdFor(KEY_A);
  const idB = await keyIdFor(KEY_B);
  assert.notEqual(idA, idB);

  // Under key A: one user enrolled, one half-way through enrolment.
  const enrolled = await createTestUser(db, { institution });
  const { secret } = await enrolOverHttp(
    ward.server.app,
    (await signIn(ward.server.app, enrolled)).token,
    enrolled.password,
  );
  const halfway = await createTestUser(db, { institution });
  const halfwaySecret = compactSecret(
    (
      await beginEnrolment(ward.server.app, (await signIn(ward.server.app, halfway)).token, halfway.password)
    ).json<Enrolment>().secret,
  );
  assert.deepEqual(await storedKeyIds(), [idA, idA]);

  // B alone cannot start yet: the deployment's secrets are under A.
  await assert.rejects(node({ 'auth.2fa.password': KEY_B }), TwoFactorKeyMismatchError);

  // Step 1: every node gets B with A as the previous key. It starts and verifies codes made under A.
  const both = await node({ 'auth.2fa.password': KEY_B, 'auth.2fa.password.previous': KEY_A });
  assert.equal(
    await signInWithTotp(both.app, enrolled, await oathtoolCode(secret, Date.now() + STEP_MS)),
    200,
  );
  // New enrolments already use B.
  const newcomer = await createTestUser(db, { institution });
  const newcomerSecret = (
    await enrolOverHttp(both.app, (await signIn(both.app, newcomer)).token, newcomer.password)
  ).secret;
  assert.deepEqual((await storedKeyIds()).sort(), [idA, idA, idB].sort());

  // Step 2: the operator runs the command, from a shell with none of the test run's settings.
  const dir = tempDir();
  try {
    const rotated = await runWardCli([
      'rotate-2fa-key',
      '--config',
      writeProperties(
        dir.path,
        nodeConfig(dir.path, { ...COMMON, 'auth.2fa.password': KEY_B, 'auth.2fa.password.previous': KEY_A }),
      ),
    ]);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /done: 2 two-factor secrets re-encrypted/);
    assert.deepEqual(await storedKeyIds(), [idB, idB, idB]);

    // Run again (in process, to save a start-up), it finds nothing left to do; without a previous key it
    // says what is missing.
    const printed: string[] = [];
    const print = (line: string): void => {
      printed.push(line);
    };
    const withPrevious = { ...COMMON, 'auth.2fa.password': KEY_B, 'auth.2fa.password.previous': KEY_A };
    const config = configFrom(dir.path, nodeConfig(dir.path, withPrevious));
    assert.equal(await rotateTwoFactorKeyCommand(config, print), 0);
    assert.match(printed.join('\n'), /done: 0 two-factor secrets re-encrypted/);
    await assert.rejects(
      rotateTwoFactorKeyCommand(
        configFrom(dir.path, nodeConfig(dir.path, { ...COMMON, 'auth.2fa.password': KEY_B })),
        print,
      ),
      (error: unknown) => error instanceof UsageError && error.message.includes('auth.2fa.password.previous'),
    );
  } finally {
    dir.remove();
  }

  // Step 3: B alone. Every kind of stored secret opens.
  const onlyB = await node({ 'auth.2fa.password': KEY_B });
  await forgetUsedSteps(enrolled.id);
  assert.equal(await signInWithTotp(onlyB.app, enrolled, await oathtoolCode(secret)), 200);
  assert.equal(
    await signInWithTotp(onlyB.app, newcomer, await oathtoolCode(newcomerSecret, Date.now() + STEP_MS)),
    200,
  );
  const finished = await confirmEnrolment(
    onlyB.app,
    (await signIn(onlyB.app, halfway)).token,
    await oathtoolCode(halfwaySecret),
  );
  assert.equal(finished.statusCode, 200, finished.body);

  // A node still holding only A now refuses to start instead of failing every sign-in.
  await assert.rejects(node({ 'auth.2fa.password': KEY_A }), (error: unknown) => {
    assert.ok(error instanceof TwoFactorKeyMismatchError, String(error));
    assert.match(error.message, /auth\.2fa\.password does not match/);
    return true;
  });
});

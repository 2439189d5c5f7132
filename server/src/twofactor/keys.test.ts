import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { Secret } from 'otpauth';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, tempDir, writeProperties, type RunningWard } from '../../test/harness.ts';
import { signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../test/users.ts';
import { decryptSecret, SecretTamperedError } from './core/index.ts';
import { loadTwoFactorKeyring, TwoFactorKeyMismatchError } from './keys.ts';
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
} from './test-support.ts';

// What someone who reads the database learns about TOTP secrets (nothing usable), and what a node
// configured with another auth.2fa.password does (refuses to start rather than fail every sign-in).

const KEY = `first two-factor key ${randomBytes(12).toString('hex')}`;
const TOKEN_SECRET = `token secret of this deployment ${randomBytes(12).toString('hex')}`;

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let institution: string;

before(async () => {
  ward = await startWard({
    properties: {
      'app.feature.HABILITAR_2FA': 'true',
      'auth.2fa.password': KEY,
      'token.secret': TOKEN_SECRET,
    },
  });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  institution = await createTwoFactorInstitution(db);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

/** Every way the secret's bytes could appear in a text column. */
function spellings(base32: string): string[] {
  const raw = Buffer.from(Secret.fromBase32(base32).bytes);
  assert.equal(raw.length, 20);
  return [
    base32,
    base32.toLowerCase(),
    raw.toString('hex'),
    raw.toString('hex').toUpperCase(),
    raw.toString('base64'),
    raw.toString('base64url'),
    raw.toString('base64').replace(/=+$/, ''),
  ];
}

async function twoFactorRow(
  userId: string,
): Promise<{ secret_ciphertext: string | null; pending_ciphertext: string | null }> {
  return db
    .selectFrom('ward.two_factor')
    .select(['secret_ciphertext', 'pending_ciphertext'])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
}

describe('TOTP secrets in the database', () => {
  test('are stored encrypted: no spelling of the secret, its recovery codes or the key appears', async () => {
    const user = await createTestUser(db, { institution });
    const { token } = await signIn(app, user);

    const first = compactSecret((await beginEnrolment(app, token, user.password)).json<Enrolment>().secret);
    const firstPending = (await twoFactorRow(user.id)).pending_ciphertext;
    const begun = await beginEnrolment(app, token, user.password);
    const secret = compactSecret(begun.json<Enrolment>().secret);
    assert.notEqual(secret, first, 'each enrolment draws a new secret');
    const pending = (await twoFactorRow(user.id)).pending_ciphertext;
    assert.ok(pending && firstPending);
    assert.notEqual(pending, firstPending);

    const confirmed = await confirmEnrolment(app, token, await oathtoolCode(secret));
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const recoveryCodes = confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes;
    const stored = (await twoFactorRow(user.id)).secret_ciphertext;
    assert.ok(stored);
    assert.match(stored, /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/, 'AES-GCM envelope');

    const everything = JSON.stringify({
      twoFactor: await db.selectFrom('ward.two_factor').selectAll().execute(),
      recoveryCodes: await db.selectFrom('ward.recovery_codes').selectAll().execute(),
      settings: await db.selectFrom('ward.deployment_settings').selectAll().execute(),
    });
    for (const spelling of [...spellings(secret), ...spellings(first)]) {
      assert.ok(!everything.includes(spelling), `the database holds ${spelling}`);
    }
    for (const code of recoveryCodes) {
      assert.ok(!everything.includes(code), `recovery code ${code} stored as is`);
      assert.ok(!everything.includes(code.replace('-', '')), `recovery code ${code} stored as is`);
    }
    assert.ok(!everything.includes(KEY), 'the key itself is never stored');
  });

  test('copied onto another user does not decrypt there', async () => {
    const owner = await createTestUser(db, { institution });
    const other = await createTestUser(db, { institution });
    const { secret } = await enrolOverHttp(app, (await signIn(app, owner)).token, owner.password);
    await enrolOverHttp(app, (await signIn(app, other)).token, other.password);
    const copied = (await twoFactorRow(owner.id)).secret_ciphertext;
    assert.ok(copied);
    await db
      .updateTable('ward.two_factor')
      .set({ secret_ciphertext: copied })
      .where('user_id', '=', other.id)
      .execute();

    // The owner's codes do not open the other account, whose row now holds the owner's ciphertext.
    const code = await oathtoolCode(secret, Date.now() + STEP_MS);
    const { challenge } = await passwordStep(app, other);
    const refused = await answerChallenge(app, { challenge, code });
    assert.notEqual(refused.statusCode, 200, refused.body);
    assert.ok(!refused.body.includes('token'), refused.body);

    // Directly: the same bytes open for their owner only (the user id is authenticated data).
    const keyring = await loadTwoFactorKeyring(db, ward.config);
    const opened = decryptSecret(keyring.all, copied, `ward-totp:${owner.id}`);
    assert.deepEqual(Buffer.from(opened), Buffer.from(Secret.fromBase32(secret).bytes));
    assert.throws(() => decryptSecret(keyring.all, copied, `ward-totp:${other.id}`), SecretTamperedError);

    // The owner is unaffected.
    const ownerChallenge = await passwordStep(app, owner);
    const accepted = await answerChallenge(app, { challenge: ownerChallenge.challenge, code });
    assert.equal(accepted.statusCode, 200, accepted.body);
  });
});

describe('a node configured with another auth.2fa.password', () => {
  const otherKey = `some other two-factor key ${randomBytes(12).toString('hex')}`;

  test('refuses to start, saying why', async () => {
    await assert.rejects(
      startNode(ward.database, {
        'app.feature.HABILITAR_2FA': 'true',
        'auth.2fa.password': otherKey,
        'token.secret': TOKEN_SECRET,
      }),
      (error: unknown) => {
        assert.ok(error instanceof TwoFactorKeyMismatchError, String(error));
        assert.match(error.message, /auth\.2fa\.password does not match/);
        assert.match(error.message, /same value/);
        assert.match(error.message, /rotate-2fa-key/);
        return true;
      },
    );
  });

  test('`ward start` exits with status 1 and the message', async () => {
    const dir = tempDir();
    try {
      const file = writeProperties(
        dir.path,
        nodeProperties(ward.database, path.join(dir.path, 'data'), {
          'auth.2fa.password': otherKey,
          'token.secret': TOKEN_SECRET,
        }),
      );
      const { status, stderr } = await runWardCli(['start', '--config', file]);
      assert.equal(status, 1, stderr);
      assert.match(stderr, /^ward start: auth\.2fa\.password does not match/m);
      assert.doesNotMatch(stderr, /\n\s+at /, 'a message, not a stack trace');
      assert.ok(!stderr.includes(otherKey) && !stderr.includes(KEY), 'no key in the output');
    } finally {
      dir.remove();
    }
  });

  test('with the right key, a second node starts and shares the deployment', async () => {
    const node = await startNode(ward.database, {
      'app.feature.HABILITAR_2FA': 'true',
      'auth.2fa.password': KEY,
      'token.secret': TOKEN_SECRET,
    });
    try {
      const user = await createTestUser(db, { institution });
      const { secret } = await enrolOverHttp(app, (await signIn(app, user)).token, user.password);
      // Enrolled on the first node, signed in on the second.
      const { challenge } = await passwordStep(node.app, user);
      const answered = await answerChallenge(node.app, {
        challenge,
        code: await oathtoolCode(secret, Date.now() + STEP_MS),
      });
      assert.equal(answered.statusCode, 200, answered.body);
    } finally {
      await node.stop();
    }
  });
});

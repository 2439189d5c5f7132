import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { failuresCounted } from '../throttle/test-support.ts';
import { startWard, type RunningWard } from '../../../test/harness.ts';
import { cookieValue, errorCode, login } from '../../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../../test/users.ts';

// The self-hosted ALTCHA captcha on sign-in, through Ward's real routes: a solved challenge signs in
// once, and when the store of redeemed challenges (here Redis) cannot be reached, sign-in fails
// closed rather than letting a replayed solution through. Sharing between nodes is tested in
// ../captcha/used-challenges.test.ts.

const ALTCHA = { 'captcha.provider': 'altcha', 'captcha.when': 'always' };

/** What the sign-in page's widget does: fetch a challenge, solve it, and send the base64 payload. */
async function solvedPayload(ward: RunningWard): Promise<string> {
  const response = await ward.server.app.inject({ method: 'GET', url: '/api/auth/captcha/challenge' });
  assert.equal(response.statusCode, 200);
  const challenge = response.json<Challenge>();
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 60_000 });
  assert.ok(solution, 'the challenge should be solvable');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

describe('ALTCHA on sign-in', () => {
  let ward: RunningWard;
  let db: Kysely<Schema>;

  before(async () => {
    ward = await startWard({ properties: ALTCHA });
    db = ownerDb(ward.database.url);
  });

  after(async () => {
    await db.destroy();
    await ward.stop();
  });

  test('a solved challenge signs in once; the same solution again is refused', async () => {
    const user = await createTestUser(db);
    const captcha = await solvedPayload(ward);
    const first = await login(ward.server.app, { username: user.username, password: user.password, captcha });
    assert.equal(first.statusCode, 200, first.body);
    const replayed = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      captcha,
    });
    assert.equal(errorCode(replayed), 'captcha_invalid');
    assert.equal(cookieValue(replayed, 'ward_session'), undefined);
  });
});

describe('ALTCHA on sign-in when the store of redeemed challenges cannot be reached', () => {
  let ward: RunningWard;
  let db: Kysely<Schema>;

  before(async () => {
    // Nothing listens on port 1: every Redis command fails.
    ward = await startWard({ properties: { ...ALTCHA, 'redis.url': 'redis://127.0.0.1:1' } });
    db = ownerDb(ward.database.url);
  });

  after(async () => {
    await db.destroy();
    await ward.stop();
  });

  test('fails closed: 503, and the password is not even tried', async () => {
    const user = await createTestUser(db);
    const response = await login(ward.server.app, {
      username: user.username,
      password: 'a wrong guess',
      captcha: await solvedPayload(ward),
    });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(errorCode(response), 'captcha_unavailable');
    assert.equal(cookieValue(response, 'ward_session'), undefined);
    assert.equal(await failuresCounted(db, user.username), 0, 'no guess was counted, so none was checked');
  });
});

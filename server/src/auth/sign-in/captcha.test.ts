import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { failuresCounted } from '../throttle/test-support.ts';
import {
  startFakeRecaptchaVerifier,
  type FakeRecaptchaVerifier,
} from '../captcha/fake-recaptcha-verifier.ts';
import { startWard, type RunningWard } from '../../../test/harness.ts';
import { cookieValue, errorCode, login, signIn } from '../../../test/sign-in.ts';
import { createTestUser, ownerDb, uniqueUsername } from '../../../test/users.ts';

// reCAPTCHA on sign-in, with a local stand-in for Google's verifier: asked for always or after
// failures as configured, verified for real, and failing closed when the verifier cannot answer.

const SECRET = 'recaptcha-secret-for-tests';
const SITE_KEY = 'recaptcha-site-key-for-tests';
const GOOD_TOKENS = Array.from({ length: 20 }, (_, i) => `good-token-${i}`);

let nextToken = 0;
function goodToken(): string {
  const token = GOOD_TOKENS[nextToken];
  nextToken += 1;
  if (token === undefined) throw new Error('out of accepted captcha tokens');
  return token;
}

function recaptchaProperties(verifier: FakeRecaptchaVerifier, when: string): Record<string, string> {
  return {
    'google.recaptcha.enable': 'true',
    'google.recaptcha.site.key': SITE_KEY,
    'google.recaptcha.secret.key': SECRET,
    'google.recaptcha.validator.url': verifier.url,
    'captcha.when': when,
  };
}

async function attemptsOf(db: Kysely<Schema>, username: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ward.sign_in_attempts')
    .select('outcome')
    .where('username', '=', username)
    .orderBy('at')
    .execute();
  return rows.map((r) => r.outcome);
}

describe('captcha.when=always', () => {
  let verifier: FakeRecaptchaVerifier;
  let ward: RunningWard;
  let db: Kysely<Schema>;

  before(async () => {
    verifier = await startFakeRecaptchaVerifier({ secret: SECRET, acceptedTokens: GOOD_TOKENS });
    ward = await startWard({ properties: recaptchaProperties(verifier, 'always') });
    db = ownerDb(ward.database.url);
  });

  after(async () => {
    await db.destroy();
    await ward.stop();
    // The last test stops the verifier itself.
    await verifier.close().catch(() => undefined);
  });

  test('the sign-in page is told to show the captcha', async () => {
    const response = await ward.server.app.inject({ method: 'GET', url: '/api/config/public' });
    assert.deepEqual(response.json<{ captcha: unknown }>().captcha, {
      provider: 'recaptcha',
      siteKey: SITE_KEY,
      when: 'always',
    });
  });

  test('without a captcha, even the right password gets no session', async () => {
    const user = await createTestUser(db);
    const asked = verifier.requests.length;
    const response = await login(ward.server.app, { username: user.username, password: user.password });
    assert.equal(response.statusCode, 400);
    assert.equal(errorCode(response), 'captcha_required');
    assert.deepEqual(response.json<{ error: { details: unknown } }>().error.details, {
      captcha: { provider: 'recaptcha', siteKey: SITE_KEY, when: 'always' },
    });
    assert.equal(cookieValue(response, 'ward_session'), undefined);
    assert.equal(verifier.requests.length, asked, 'nothing to ask the verifier about');
    assert.deepEqual(await attemptsOf(db, user.username), ['captcha_failed']);
  });

  test('a captcha the verifier rejects is refused; one it accepts lets the right password in, once', async () => {
    const user = await createTestUser(db);
    const remoteAddress = '192.0.2.44';
    const rejected = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      captcha: 'made-up-token',
      remoteAddress,
    });
    assert.equal(rejected.statusCode, 400);
    assert.equal(errorCode(rejected), 'captcha_invalid');
    const sent = verifier.requests.at(-1);
    assert.equal(sent?.form.get('secret'), SECRET);
    assert.equal(sent.form.get('response'), 'made-up-token');
    assert.equal(sent.form.get('remoteip'), remoteAddress);

    const token = goodToken();
    await signIn(ward.server.app, { username: user.username, password: user.password, captcha: token });
    const replayed = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      captcha: token,
    });
    assert.equal(errorCode(replayed), 'captcha_invalid', 'a captcha token is good for one sign-in only');
  });

  test('a good captcha with a wrong password is still a wrong password', async () => {
    const user = await createTestUser(db);
    const response = await login(ward.server.app, {
      username: user.username,
      password: 'not it',
      captcha: goodToken(),
    });
    assert.equal(response.statusCode, 401);
    assert.equal(errorCode(response), 'invalid_credentials');
  });

  test('fails closed when the verifier misbehaves: 503, and the password is not even tried', async () => {
    const user = await createTestUser(db);
    try {
      for (const mode of ['http-500', 'html', 'json-without-verdict'] as const) {
        verifier.mode = mode;
        for (const password of [user.password, 'a wrong guess']) {
          const response = await login(ward.server.app, {
            username: user.username,
            password,
            captcha: goodToken(),
          });
          assert.equal(response.statusCode, 503, `${mode}: ${response.body}`);
          assert.equal(errorCode(response), 'captcha_unavailable');
          assert.equal(cookieValue(response, 'ward_session'), undefined);
        }
      }
    } finally {
      verifier.mode = 'judge';
    }
    assert.equal(await failuresCounted(db, user.username), 0, 'no guess was counted, so none was checked');
    assert.deepEqual(new Set(await attemptsOf(db, user.username)), new Set(['captcha_unavailable']));
  });

  // Last in this group: it stops the verifier for good.
  test('fails closed when the verifier cannot be reached', async () => {
    const user = await createTestUser(db);
    await verifier.close();
    const response = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      captcha: goodToken(),
    });
    assert.equal(response.statusCode, 503);
    assert.equal(errorCode(response), 'captcha_unavailable');
    assert.equal(cookieValue(response, 'ward_session'), undefined);
  });
});

describe('captcha.when=after-failures', () => {
  let verifier: FakeRecaptchaVerifier;
  let ward: RunningWard;
  let db: Kysely<Schema>;

  before(async () => {
    verifier = await startFakeRecaptchaVerifier({ secret: SECRET, acceptedTokens: GOOD_TOKENS });
    ward = await startWard({ properties: recaptchaProperties(verifier, 'after-failures') });
    db = ownerDb(ward.database.url);
  });

  after(async () => {
    await db.destroy();
    await ward.stop();
    await verifier.close();
  });

  test('is asked for once the account has failed three times, from whichever addresses', async () => {
    const user = await createTestUser(db);
    await signIn(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.1',
    });
    // A guesser spreading the attempts over addresses.
    for (let i = 0; i < 3; i += 1) {
      const response = await login(ward.server.app, {
        username: user.username,
        password: `guess ${i}`,
        remoteAddress: `192.0.2.${10 + i}`,
      });
      assert.equal(errorCode(response), 'invalid_credentials');
    }
    const withoutCaptcha = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.2',
    });
    assert.equal(errorCode(withoutCaptcha), 'captcha_required');
    const withCaptcha = await signIn(ward.server.app, {
      username: user.username,
      password: user.password,
      captcha: goodToken(),
      remoteAddress: '192.0.2.2',
    });
    assert.equal(withCaptcha.state, 'active');
    // The success cleared the account's failures: the next sign-in needs no captcha again.
    await signIn(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.3',
    });
  });

  test('is asked for from an address that has failed three times, whatever the account', async () => {
    const user = await createTestUser(db);
    const remoteAddress = '192.0.2.99';
    for (let i = 0; i < 3; i += 1) {
      await login(ward.server.app, {
        username: uniqueUsername('spray'),
        password: 'Winter2024!',
        remoteAddress,
      });
    }
    const fromThere = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress,
    });
    assert.equal(errorCode(fromThere), 'captcha_required');
    await signIn(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.100',
    });
  });
});

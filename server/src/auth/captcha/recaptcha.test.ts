import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { startFakeRecaptchaVerifier, type FakeRecaptchaVerifier } from './fake-recaptcha-verifier.ts';
import { CaptchaUnavailableError, createCaptchaService, type CaptchaService } from './index.ts';

const SECRET = 'fake-recaptcha-secret-7f3a9c';
const SITE_KEY = 'fake-site-key';
const GOOD_TOKEN = 'token-solved-by-a-person';
const VISITOR_IP = '203.0.113.7';

function serviceFor(
  validatorUrl: string,
  options: { secretKey?: string; timeoutMs?: number } = {},
): CaptchaService {
  return createCaptchaService({
    provider: 'recaptcha',
    when: 'always',
    recaptcha: {
      siteKey: SITE_KEY,
      secretKey: options.secretKey ?? SECRET,
      validatorUrl,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
  });
}

/** Asserts the verification fails closed, without the secret key in anything an operator log would show. */
async function assertUnavailable(attempt: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(attempt, (error: unknown) => {
    assert.ok(
      error instanceof CaptchaUnavailableError,
      `expected CaptchaUnavailableError, got ${String(error)}`,
    );
    assert.equal(error.code, 'captcha_unavailable');
    assert.match(error.message, message);
    const logged = `${error.message} ${error.stack ?? ''} ${String(error.cause)} ${JSON.stringify(error)}`;
    assert.ok(!logged.includes(SECRET), 'the secret key must not appear in the error');
    return true;
  });
}

describe('reCAPTCHA verification against a local verifier', () => {
  let verifier: FakeRecaptchaVerifier;

  before(async () => {
    verifier = await startFakeRecaptchaVerifier({
      secret: SECRET,
      acceptedTokens: [GOOD_TOKEN, 'second-good-token', 'third-good-token'],
    });
  });
  afterEach(() => {
    verifier.mode = 'judge';
    verifier.requests.length = 0;
  });
  after(() => verifier.close());

  test('a token the verifier accepts passes, and the verifier got the secret, the token and the address', async () => {
    const verdict = await serviceFor(verifier.url).verify(GOOD_TOKEN, VISITOR_IP);
    assert.deepEqual(verdict, { ok: true });
    assert.equal(verifier.requests.length, 1);
    const [request] = verifier.requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.contentType, 'application/x-www-form-urlencoded');
    assert.equal(request!.form.get('secret'), SECRET);
    assert.equal(request!.form.get('response'), GOOD_TOKEN);
    assert.equal(request!.form.get('remoteip'), VISITOR_IP);
  });

  test('a token the verifier rejects is invalid', async () => {
    const verdict = await serviceFor(verifier.url).verify('made-up-by-a-bot', VISITOR_IP);
    assert.deepEqual(verdict, { ok: false, reason: 'invalid' });
    assert.equal(verifier.requests.length, 1);
  });

  test('a token already redeemed once is invalid the second time', async () => {
    const service = serviceFor(verifier.url);
    assert.deepEqual(await service.verify('second-good-token', VISITOR_IP), { ok: true });
    assert.deepEqual(await service.verify('second-good-token', VISITOR_IP), { ok: false, reason: 'invalid' });
  });

  test('no token, or an empty one, is missing and never reaches the verifier', async () => {
    const service = serviceFor(verifier.url);
    assert.deepEqual(await service.verify(undefined, VISITOR_IP), { ok: false, reason: 'missing' });
    assert.deepEqual(await service.verify('', VISITOR_IP), { ok: false, reason: 'missing' });
    assert.deepEqual(await service.verify('   ', VISITOR_IP), { ok: false, reason: 'missing' });
    assert.equal(verifier.requests.length, 0);
  });

  test('an unknown client address is not sent as an empty remoteip', async () => {
    assert.deepEqual(await serviceFor(verifier.url).verify('third-good-token', ''), { ok: true });
    assert.equal(verifier.requests[0]!.form.has('remoteip'), false);
  });

  test('a wrong secret key fails closed, naming the setting to fix rather than blaming the visitor', async () => {
    const service = serviceFor(verifier.url, { secretKey: 'mistyped-secret-key' });
    await assert.rejects(service.verify(GOOD_TOKEN, VISITOR_IP), (error: unknown) => {
      assert.ok(error instanceof CaptchaUnavailableError);
      assert.match(error.message, /invalid-input-secret.*google\.recaptcha\.secret\.key/);
      assert.ok(!error.message.includes('mistyped-secret-key'));
      return true;
    });
  });

  test('a verifier answering HTTP 500 fails closed, even with a success body', async () => {
    verifier.mode = 'http-500';
    await assertUnavailable(serviceFor(verifier.url).verify(GOOD_TOKEN, VISITOR_IP), /HTTP 500/);
  });

  test('a verifier answering an HTML page fails closed', async () => {
    verifier.mode = 'html';
    await assertUnavailable(
      serviceFor(verifier.url).verify(GOOD_TOKEN, VISITOR_IP),
      /other than its JSON verdict/,
    );
  });

  test('a verifier answering JSON without a verdict fails closed', async () => {
    verifier.mode = 'json-without-verdict';
    await assertUnavailable(
      serviceFor(verifier.url).verify(GOOD_TOKEN, VISITOR_IP),
      /other than its JSON verdict/,
    );
  });

  test('a verifier slower than the timeout fails closed once the timeout passes', async () => {
    verifier.mode = { delayMs: 2000 };
    const started = performance.now();
    await assertUnavailable(
      serviceFor(verifier.url, { timeoutMs: 150 }).verify(GOOD_TOKEN, VISITOR_IP),
      /did not answer within 150 ms/,
    );
    const waited = performance.now() - started;
    assert.ok(waited >= 140 && waited < 1500, `gave up after ${Math.round(waited)} ms`);
  });
});

test('a verifier that is down fails closed', async () => {
  // A port that was just listening and is now closed: connections to it are refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  await assertUnavailable(
    serviceFor(`http://127.0.0.1:${port}/recaptcha/api/siteverify`).verify(GOOD_TOKEN, VISITOR_IP),
    /could not be reached/,
  );
});

test('a verifier that redirects fails closed instead of resending the secret elsewhere', async () => {
  const elsewhere = await startFakeRecaptchaVerifier({ secret: SECRET, acceptedTokens: [GOOD_TOKEN] });
  const redirector = createServer((_request, response) => {
    response.writeHead(307, { location: elsewhere.url }).end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  const { port } = redirector.address() as AddressInfo;
  try {
    await assertUnavailable(
      serviceFor(`http://127.0.0.1:${port}/`).verify(GOOD_TOKEN, VISITOR_IP),
      /could not be reached/,
    );
    assert.equal(elsewhere.requests.length, 0);
  } finally {
    redirector.closeAllConnections();
    await new Promise<void>((resolve) =>
      redirector.close(() => {
        resolve();
      }),
    );
    await elsewhere.close();
  }
});

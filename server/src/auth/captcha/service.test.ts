import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CAPTCHA_AFTER_FAILURES,
  createCaptchaService,
  type CaptchaSettings,
  type UsedChallenges,
} from './index.ts';

const recaptcha = {
  siteKey: 'site-key-shown-to-browsers',
  secretKey: 'secret-key-kept-on-the-server',
  validatorUrl: 'http://127.0.0.1:9/recaptcha/api/siteverify',
};
const altcha = { hmacKey: 'altcha-test-hmac-key-0123456789abcdef' };

// Any network call would be a bug in these tests: fail loudly.
const noNetwork: typeof fetch = () => Promise.reject(new Error('unexpected network call'));
// Nor does any test here redeem a challenge.
const noStore: UsedChallenges = {
  claim: () => Promise.reject(new Error('unexpected claim')),
  close: () => Promise.resolve(),
};

describe('when a captcha is required', () => {
  test('always: from the first attempt', () => {
    const service = createCaptchaService({ provider: 'recaptcha', when: 'always', recaptcha });
    assert.equal(service.isRequired(0), true);
    assert.equal(service.isRequired(10), true);
  });

  test(`after failures: from the ${CAPTCHA_AFTER_FAILURES}rd recent failure on`, () => {
    assert.equal(CAPTCHA_AFTER_FAILURES, 3);
    for (const provider of ['recaptcha', 'altcha'] as const) {
      const service = createCaptchaService(
        { provider, when: 'after-failures', recaptcha, altcha },
        { usedChallenges: noStore },
      );
      assert.equal(service.isRequired(0), false, provider);
      assert.equal(service.isRequired(2), false, provider);
      assert.equal(service.isRequired(3), true, provider);
      assert.equal(service.isRequired(50), true, provider);
    }
  });

  test('none: never, and any attempt passes without a token', async () => {
    for (const when of ['always', 'after-failures'] as const) {
      const service = createCaptchaService({ provider: 'none', when }, { fetch: noNetwork });
      assert.equal(service.isRequired(0), false);
      assert.equal(service.isRequired(1000), false);
      assert.deepEqual(await service.verify(undefined, '203.0.113.7'), { ok: true });
    }
  });
});

describe('what the sign-in page is told', () => {
  test('reCAPTCHA: the site key, never the secret key', () => {
    const info = createCaptchaService({
      provider: 'recaptcha',
      when: 'after-failures',
      recaptcha,
    }).publicInfo();
    assert.deepEqual(info, { provider: 'recaptcha', siteKey: recaptcha.siteKey, when: 'after-failures' });
    assert.ok(!JSON.stringify(info).includes(recaptcha.secretKey));
  });

  test('ALTCHA: the provider only; the challenge is fetched separately and carries no key', async () => {
    const service = createCaptchaService(
      { provider: 'altcha', when: 'always', altcha },
      { usedChallenges: noStore },
    );
    assert.deepEqual(service.publicInfo(), { provider: 'altcha', when: 'always' });
    assert.ok(!JSON.stringify(await service.challenge()).includes(altcha.hmacKey));
  });

  test('none: nothing to show', () => {
    assert.deepEqual(createCaptchaService({ provider: 'none', when: 'always' }).publicInfo(), {
      provider: 'none',
      when: 'always',
    });
  });

  test('only ALTCHA issues challenges', async () => {
    await assert.rejects(
      createCaptchaService({ provider: 'recaptcha', when: 'always', recaptcha }).challenge(),
    );
    await assert.rejects(createCaptchaService({ provider: 'none', when: 'always' }).challenge());
  });
});

describe('settings that cannot work are refused at start', () => {
  const refused: [string, CaptchaSettings, RegExp][] = [
    [
      'reCAPTCHA without its settings',
      { provider: 'recaptcha', when: 'always' },
      /needs the reCAPTCHA settings/,
    ],
    [
      'an empty site key',
      { provider: 'recaptcha', when: 'always', recaptcha: { ...recaptcha, siteKey: '' } },
      /site key/,
    ],
    [
      'an empty secret key',
      { provider: 'recaptcha', when: 'always', recaptcha: { ...recaptcha, secretKey: ' ' } },
      /secret key/,
    ],
    [
      'a validator that is not a URL',
      { provider: 'recaptcha', when: 'always', recaptcha: { ...recaptcha, validatorUrl: 'siteverify' } },
      /not a URL/,
    ],
    [
      'a validator that is not HTTP',
      {
        provider: 'recaptcha',
        when: 'always',
        recaptcha: { ...recaptcha, validatorUrl: 'file:///etc/passwd' },
      },
      /must use https/,
    ],
    [
      'a zero timeout',
      { provider: 'recaptcha', when: 'always', recaptcha: { ...recaptcha, timeoutMs: 0 } },
      /timeout/,
    ],
    ['ALTCHA without its settings', { provider: 'altcha', when: 'always' }, /needs the ALTCHA settings/],
    [
      'an ALTCHA maxNumber of zero',
      { provider: 'altcha', when: 'always', altcha: { ...altcha, maxNumber: 0 } },
      /maxNumber/,
    ],
    [
      'an ALTCHA expiry of zero',
      { provider: 'altcha', when: 'always', altcha: { ...altcha, expiresInSeconds: 0 } },
      /expiresInSeconds/,
    ],
  ];
  for (const [what, settings, message] of refused) {
    test(what, () => {
      assert.throws(() => createCaptchaService(settings, { usedChallenges: noStore }), message);
    });
  }

  test('ALTCHA without a store of redeemed challenges', () => {
    assert.throws(
      () => createCaptchaService({ provider: 'altcha', when: 'always', altcha }),
      /store of redeemed challenges/,
    );
  });
});

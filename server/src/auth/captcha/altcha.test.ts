import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createChallenge, solveChallenge, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { openTestDatabase, type OpenedTestDatabase } from '../../../test/harness.ts';
import { createCaptchaService, type CaptchaService } from './index.ts';
import { PostgresUsedChallenges } from './postgres-used-challenges.ts';

const HMAC_KEY = 'altcha-test-hmac-key-0123456789abcdef';
// A small search space keeps each solve to a few milliseconds.
const MAX_NUMBER = 20;

// Redeemed challenges are kept where Ward keeps them without Redis: in PostgreSQL. How they are
// shared between nodes is tested in used-challenges.test.ts.
let database: OpenedTestDatabase;
let used: PostgresUsedChallenges;

before(async () => {
  database = await openTestDatabase('ward-altcha-');
  used = new PostgresUsedChallenges(database.opened.db);
});

after(async () => {
  await database.close();
});

function altchaService(
  options: { now?: () => number; hmacKey?: string; expiresInSeconds?: number } = {},
): CaptchaService {
  return createCaptchaService(
    {
      provider: 'altcha',
      when: 'always',
      altcha: {
        hmacKey: options.hmacKey ?? HMAC_KEY,
        maxNumber: MAX_NUMBER,
        ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
      },
    },
    { usedChallenges: used, ...(options.now === undefined ? {} : { now: options.now }) },
  );
}

/** What the browser widget does: solve the challenge and send base64 JSON of it with the solution. */
async function solve(challenge: Challenge): Promise<{ solution: Solution; payload: string }> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 10_000 });
  assert.ok(solution, 'the challenge should be solvable');
  return { solution, payload: encode(challenge, solution) };
}

function encode(challenge: unknown, solution: unknown): string {
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

async function issue(service: CaptchaService): Promise<Challenge> {
  return (await service.challenge()) as Challenge;
}

describe('ALTCHA proof of work', () => {
  test('a solved challenge passes', async () => {
    const service = altchaService();
    const challenge = await issue(service);
    const { payload } = await solve(challenge);
    assert.deepEqual(await service.verify(payload, '203.0.113.7'), { ok: true });
  });

  test('a challenge is signed, expires in ten minutes by default and carries no secret', async () => {
    const issuedAt = Date.now();
    const challenge = await issue(altchaService({ now: () => issuedAt }));
    assert.match(challenge.signature ?? '', /^[0-9a-f]{64}$/);
    assert.equal(challenge.parameters.expiresAt, Math.floor(issuedAt / 1000) + 600);
    assert.ok(!JSON.stringify(challenge).includes(HMAC_KEY));
  });

  test('the work asked is bounded by maxNumber', async () => {
    const service = altchaService();
    for (let i = 0; i < 5; i++) {
      const { solution } = await solve(await issue(service));
      assert.ok(solution.counter >= 1 && solution.counter <= MAX_NUMBER, `counter ${solution.counter}`);
    }
  });

  test('no payload is missing', async () => {
    const service = altchaService();
    assert.deepEqual(await service.verify(undefined, ''), { ok: false, reason: 'missing' });
    assert.deepEqual(await service.verify('', ''), { ok: false, reason: 'missing' });
  });

  test('a tampered solution is invalid', async () => {
    const service = altchaService();
    const challenge = await issue(service);
    const { solution } = await solve(challenge);
    const flipped = (solution.derivedKey.startsWith('0') ? '1' : '0') + solution.derivedKey.slice(1);
    assert.deepEqual(await service.verify(encode(challenge, { ...solution, derivedKey: flipped }), ''), {
      ok: false,
      reason: 'invalid',
    });
    assert.deepEqual(
      await service.verify(encode(challenge, { ...solution, counter: solution.counter + 1 }), ''),
      {
        ok: false,
        reason: 'invalid',
      },
    );
    // Untouched, the same solution still passes: the rejections above were for the tampering.
    assert.deepEqual(await service.verify(encode(challenge, solution), ''), { ok: true });
  });

  test('a challenge with altered parameters is invalid', async () => {
    const service = altchaService();
    const challenge = await issue(service);
    const { solution } = await solve(challenge);
    const laterExpiry = { ...challenge, parameters: { ...challenge.parameters, expiresAt: 4_000_000_000 } };
    assert.deepEqual(await service.verify(encode(laterExpiry, solution), ''), {
      ok: false,
      reason: 'invalid',
    });
  });

  test('a challenge Ward did not sign is invalid, however well solved', async () => {
    const service = altchaService();
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    const common = { algorithm: 'PBKDF2/SHA-256', cost: 1, counter: 1, deriveKey, expiresAt };
    const unsigned = await createChallenge(common);
    const otherKey = await createChallenge({
      ...common,
      hmacSignatureSecret: 'another-deployments-key-0123456789',
    });
    for (const challenge of [unsigned, otherKey]) {
      const { payload } = await solve(challenge);
      assert.deepEqual(await service.verify(payload, ''), { ok: false, reason: 'invalid' });
    }
  });

  test('a solution is accepted once only', async () => {
    const service = altchaService();
    const { payload } = await solve(await issue(service));
    assert.deepEqual(await service.verify(payload, ''), { ok: true });
    assert.deepEqual(await service.verify(payload, ''), { ok: false, reason: 'invalid' });
  });

  test('the same solution sent twice at once passes once', async () => {
    const service = altchaService();
    const { payload } = await solve(await issue(service));
    const verdicts = await Promise.all([service.verify(payload, ''), service.verify(payload, '')]);
    assert.equal(verdicts.filter((verdict) => verdict.ok).length, 1);
  });

  test('a challenge is accepted until it expires and refused after', async () => {
    let clock = Date.now();
    const service = altchaService({ now: () => clock });
    const early = await solve(await issue(service));
    const late = await solve(await issue(service));

    clock += 599_000;
    assert.deepEqual(await service.verify(early.payload, ''), { ok: true });
    clock += 2_000;
    assert.deepEqual(await service.verify(late.payload, ''), { ok: false, reason: 'invalid' });
  });

  test('a shorter expiry can be configured', async () => {
    let clock = Date.now();
    const service = altchaService({ now: () => clock, expiresInSeconds: 60 });
    const { payload } = await solve(await issue(service));
    clock += 61_000;
    assert.deepEqual(await service.verify(payload, ''), { ok: false, reason: 'invalid' });
  });

  test('expiry is also checked against the system clock, so a lagging service clock cannot extend it', async () => {
    const lagging = altchaService({ now: () => Date.now() - 3_600_000 });
    const { payload } = await solve(await issue(lagging));
    assert.deepEqual(await lagging.verify(payload, ''), { ok: false, reason: 'invalid' });
  });

  test('another node with the same key accepts a challenge this node issued', async () => {
    const { payload } = await solve(await issue(altchaService()));
    assert.deepEqual(await altchaService().verify(payload, ''), { ok: true });
  });

  test('malformed payloads are invalid, not errors', async () => {
    const service = altchaService();
    const challenge = await issue(service);
    const malformed = [
      'not base64 at all!',
      Buffer.from('not json').toString('base64'),
      Buffer.from('null').toString('base64'),
      // What the widget sends in its test mode.
      Buffer.from(JSON.stringify({ challenge: null, solution: null, test: true })).toString('base64'),
      encode(challenge, { counter: '1', derivedKey: 'ab' }),
      encode(
        { ...challenge, parameters: { ...challenge.parameters, nonce: 'zz' } },
        { counter: 1, derivedKey: 'ab' },
      ),
      encode({ parameters: { expiresAt: 4_000_000_000 }, signature: 'ab' }, { counter: 1, derivedKey: 'ab' }),
      'A'.repeat(20_000),
    ];
    for (const payload of malformed) {
      assert.deepEqual(
        await service.verify(payload, ''),
        { ok: false, reason: 'invalid' },
        payload.slice(0, 60),
      );
    }
  });

  test('a short HMAC key is refused at start', () => {
    assert.throws(() => altchaService({ hmacKey: 'short' }), /at least 32 characters/);
  });
});

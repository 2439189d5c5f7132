import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Schema } from '../../db/schema.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../../test/harness.ts';
import { redisAnswers, TEST_REDIS_URL } from '../../../test/redis.ts';
import { CaptchaUnavailableError } from './errors.ts';
import { createCaptchaService, type CaptchaService } from './index.ts';
import { PostgresUsedChallenges } from './postgres-used-challenges.ts';
import { RedisUsedChallenges } from './redis-used-challenges.ts';
import { KEPT_AFTER_EXPIRY_MS, type UsedChallenges } from './used-challenges.ts';

// Redeemed ALTCHA challenges are shared by every node: a solution redeemed on one node is refused on
// any other, in PostgreSQL and in Redis alike. Each "node" here is a verifier with a store of its own
// construction (its own pool or client) on the one database or Redis, as separate processes have.
// Redis is the one at TEST_REDIS_URL; its keys are removed after, and its tests skipped without it.

const HMAC_KEY = 'altcha-test-hmac-key-0123456789abcdef';
const MAX_NUMBER = 20;
const withRedis = (await redisAnswers()) ? {} : { skip: `no Redis answers at ${TEST_REDIS_URL}` };
const TEST_PREFIX = `ward-test:${randomBytes(4).toString('hex')}:altcha:`;

let database: OpenedTestDatabase;
const opened: { close(): Promise<void> }[] = [];

before(async () => {
  database = await openTestDatabase('ward-used-challenges-');
});

after(async () => {
  for (const resource of opened) await resource.close();
  if (withRedis.skip === undefined) {
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${TEST_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await database.close();
});

/** A node's store of redeemed challenges on the runtime role, through a pool of its own. */
function postgresNode(): PostgresUsedChallenges {
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool(database.opened.pool.options) }),
  });
  opened.push({ close: () => db.destroy() });
  return new PostgresUsedChallenges(db);
}

function redisNode(keptAfterExpiryMs?: number): RedisUsedChallenges {
  const store = new RedisUsedChallenges(TEST_REDIS_URL, {
    prefix: TEST_PREFIX,
    ...(keptAfterExpiryMs === undefined ? {} : { keptAfterExpiryMs }),
  });
  opened.push(store);
  return store;
}

function verifierOn(store: UsedChallenges): CaptchaService {
  return createCaptchaService(
    { provider: 'altcha', when: 'always', altcha: { hmacKey: HMAC_KEY, maxNumber: MAX_NUMBER } },
    { usedChallenges: store },
  );
}

/** A challenge issued by `node`, solved as the browser widget does; returns the payload it sends. */
async function solvedOn(node: CaptchaService): Promise<string> {
  const challenge = (await node.challenge()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 10_000 });
  assert.ok(solution, 'the challenge should be solvable');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

const fixtures = [
  { name: 'PostgreSQL', options: {}, node: postgresNode },
  { name: 'Redis', options: withRedis, node: () => redisNode() },
];

for (const fixture of fixtures) {
  describe(`redeemed challenges in ${fixture.name}`, fixture.options, () => {
    test('a solution redeemed once is refused the second time', async () => {
      const node = verifierOn(fixture.node());
      const payload = await solvedOn(node);
      assert.deepEqual(await node.verify(payload, ''), { ok: true });
      assert.deepEqual(await node.verify(payload, ''), { ok: false, reason: 'invalid' });
    });

    test('a solution redeemed on one node is refused on another', async () => {
      const a = verifierOn(fixture.node());
      const b = verifierOn(fixture.node());
      const payload = await solvedOn(a);
      assert.deepEqual(await a.verify(payload, ''), { ok: true });
      assert.deepEqual(await b.verify(payload, ''), { ok: false, reason: 'invalid' });
      // And the other way round, with a challenge B issued.
      const fromB = await solvedOn(b);
      assert.deepEqual(await b.verify(fromB, ''), { ok: true });
      assert.deepEqual(await a.verify(fromB, ''), { ok: false, reason: 'invalid' });
    });

    test('one solution sent to two nodes many times at once passes exactly once', async () => {
      const a = verifierOn(fixture.node());
      const b = verifierOn(fixture.node());
      const payload = await solvedOn(a);
      const verdicts = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).verify(payload, '')),
      );
      assert.equal(verdicts.filter((verdict) => verdict.ok).length, 1);
      assert.ok(verdicts.every((verdict) => verdict.ok || verdict.reason === 'invalid'));
    });
  });
}

describe('an entry stops blocking once its challenge has expired', () => {
  test('PostgreSQL, by the claiming node clock', async () => {
    const store = postgresNode();
    const t = Date.now();
    const signature = randomBytes(32).toString('hex');
    assert.equal(await store.claim(signature, t + 1000, t), true);
    assert.equal(await store.claim(signature, t + 1000, t + 999), false);
    assert.equal(await store.claim(signature, t + 1000, t + 1000), true);
  });

  test('Redis, where the key expires on its own', withRedis, async () => {
    const store = redisNode(0);
    const signature = randomBytes(32).toString('hex');
    const t = Date.now();
    assert.equal(await store.claim(signature, t + 200, t), true);
    assert.equal(await store.claim(signature, t + 200, Date.now()), false);
    await sleep(400);
    assert.equal(await store.claim(signature, t + 200, Date.now()), true);
  });

  test('Redis keeps a key a while after its challenge expires, and no longer', withRedis, async () => {
    const store = redisNode();
    const signature = randomBytes(32).toString('hex');
    const t = Date.now();
    assert.equal(await store.claim(signature, t + 10_000, t), true);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const ttl = await redis.pttl(TEST_PREFIX + signature);
      assert.ok(ttl > KEPT_AFTER_EXPIRY_MS && ttl <= 10_000 + KEPT_AFTER_EXPIRY_MS, `ttl ${ttl} ms`);
    } finally {
      redis.disconnect();
    }
  });
});

describe('a store that cannot be reached', () => {
  const unreachable: [string, () => UsedChallenges][] = [
    [
      'PostgreSQL',
      () => {
        const pool = new pg.Pool({ connectionString: 'postgres://ward@127.0.0.1:1/ward' });
        const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
        opened.push({ close: () => db.destroy() });
        return new PostgresUsedChallenges(db);
      },
    ],
    [
      'Redis',
      () => {
        const store = new RedisUsedChallenges('redis://127.0.0.1:1', { prefix: TEST_PREFIX });
        opened.push(store);
        return store;
      },
    ],
  ];
  for (const [name, store] of unreachable) {
    test(`${name}: the captcha fails closed as unavailable, and the error names no signature`, async () => {
      // A solution issued by a healthy node, brought to a node whose store is down.
      const payload = await solvedOn(verifierOn(postgresNode()));
      const { signature } = (
        JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as {
          challenge: { signature: string };
        }
      ).challenge;
      const node = verifierOn(store());
      const error: unknown = await node.verify(payload, '').then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof CaptchaUnavailableError, String(error));
      assert.equal(error.code, 'captcha_unavailable');
      assert.ok(!error.message.includes(signature));
    });
  }
});

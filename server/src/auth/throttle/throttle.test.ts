import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { startWard, type RunningWard } from '../../../test/harness.ts';
import { redisAnswers, TEST_REDIS_URL as REDIS_URL } from '../../../test/redis.ts';
import { errorCode, login, signIn } from '../../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../../test/users.ts';
import {
  BACKOFF_COUNTER_KEPT_SECONDS,
  FREE_FAILURES,
  IDLE_COUNTER_KEPT_SECONDS,
  MAX_CONSECUTIVE_FAILURES,
} from './policy.ts';
import { PostgresThrottleStore } from './postgres-store.ts';
import { RedisThrottleStore } from './redis-store.ts';
import type { ThrottleStore } from './store.ts';

// The throttle counters behind sign-in, in PostgreSQL and in Redis alike: backoff, the lock without
// end at 100 failures, the address window, and claims that stay exact under a burst of parallel
// guesses. Redis is the one at TEST_REDIS_URL (default 127.0.0.1:6379); keys made here are removed
// after. Without a Redis to talk to, its tests are reported as skipped.

const withRedis = (await redisAnswers(REDIS_URL)) ? {} : { skip: `no Redis answers at ${REDIS_URL}` };
const TEST_PREFIX = `ward-test:${randomBytes(4).toString('hex')}:`;
// The prefix a Ward with redis.url uses.
const WARD_PREFIX = 'ward:throttle:';

let ward: RunningWard;
let db: Kysely<Schema>;
let redis: Redis;
let postgresStore: PostgresThrottleStore;
let redisStore: RedisThrottleStore;
const wardKeys: string[] = [];

before(async () => {
  ward = await startWard(withRedis.skip === undefined ? { properties: { 'redis.url': REDIS_URL } } : {});
  db = ownerDb(ward.database.url);
  postgresStore = new PostgresThrottleStore(db);
  if (withRedis.skip === undefined) {
    redis = new Redis(REDIS_URL);
    redisStore = new RedisThrottleStore(REDIS_URL, TEST_PREFIX);
  }
});

after(async () => {
  if (withRedis.skip === undefined) {
    await redisStore.close();
    const ours = await redis.keys(`${TEST_PREFIX}*`);
    const keys = [...ours, ...wardKeys.map((k) => WARD_PREFIX + k)];
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await db.destroy();
  await ward.stop();
});

function uniqueKey(): string {
  return `account:${randomBytes(6).toString('hex')}`;
}

function uniqueAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** One store, and how a test moves its clock or sets its counters. */
interface StoreFixture {
  readonly name: string;
  readonly options: { skip?: string };
  readonly store: () => ThrottleStore;
  endLock(key: string): Promise<void>;
  setFailures(key: string, failures: number): Promise<void>;
  endIpWindow(ip: string): Promise<void>;
  /** Lets pass whatever time the store forgets an idle counter after. */
  forgetIdle(key: string): Promise<void>;
}

const fixtures: StoreFixture[] = [
  {
    name: 'PostgreSQL',
    options: {},
    store: () => postgresStore,
    endLock: async (key) => {
      await sql`UPDATE ward.throttle_counters SET locked_until = now() - interval '1 second' WHERE key = ${key}`.execute(
        db,
      );
    },
    setFailures: async (key, failures) => {
      await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures) VALUES (${key}, ${failures})
                ON CONFLICT (key) DO UPDATE SET consecutive_failures = ${failures}, locked_until = NULL`.execute(
        db,
      );
    },
    endIpWindow: async (ip) => {
      await sql`UPDATE ward.throttle_counters SET window_started_at = now() - interval '15 minutes 1 second'
                WHERE key = ${`ip:${ip}`}`.execute(db);
    },
    // The store itself forgets nothing; housekeeping deletes idle counters (tested with it).
    forgetIdle: async () => undefined,
  },
  {
    name: 'Redis',
    options: withRedis,
    store: () => redisStore,
    endLock: async (key) => {
      await redis.hset(TEST_PREFIX + key, 'lockedUntil', String(Date.now() - 1000));
    },
    setFailures: async (key, failures) => {
      await redis.hset(TEST_PREFIX + key, 'failures', String(failures), 'lockedUntil', '0');
    },
    endIpWindow: async (ip) => {
      await redis.del(`${TEST_PREFIX}ip:${ip}`);
    },
    // Redis forgets a key when its time to live runs out: as if it had run out now.
    forgetIdle: async (key) => {
      const ttl = await redis.ttl(TEST_PREFIX + key);
      if (ttl >= 0) await redis.del(TEST_PREFIX + key);
    },
  },
];

function secondsUntil(date: Date | undefined): number {
  return date === undefined ? 0 : (date.getTime() - Date.now()) / 1000;
}

for (const fixture of fixtures) {
  describe(`${fixture.name} throttle store`, fixture.options, () => {
    test('locks from the fifth consecutive failure for a minute, then doubles', async () => {
      const store = fixture.store();
      const key = uniqueKey();
      for (let i = 1; i < FREE_FAILURES; i += 1) {
        assert.equal((await store.recordFailure(key)).lockedUntil, undefined);
      }
      const fifth = await store.recordFailure(key);
      assert.equal(fifth.failures, 5);
      assert.ok(secondsUntil(fifth.lockedUntil) > 55 && secondsUntil(fifth.lockedUntil) <= 60);
      assert.ok((await store.lockState(key)).lockedUntil);
      await fixture.endLock(key);
      assert.equal((await store.lockState(key)).lockedUntil, undefined);
      const sixth = await store.recordFailure(key);
      assert.ok(secondsUntil(sixth.lockedUntil) > 115 && secondsUntil(sixth.lockedUntil) <= 120);
      await store.reset(key);
      assert.deepEqual(await store.lockState(key), { failures: 0, lockedUntil: undefined });
    });

    test('a burst of parallel claims lets exactly the free failures through', async () => {
      const store = fixture.store();
      const key = uniqueKey();
      const claims = await Promise.all(Array.from({ length: 30 }, () => store.claimAttempt(key)));
      assert.equal(claims.filter((c) => c.allowed).length, FREE_FAILURES);
      const state = await store.lockState(key);
      assert.equal(state.failures, FREE_FAILURES);
      assert.ok(state.lockedUntil);

      // After the wait, one more claim is allowed and locks for twice as long.
      await fixture.endLock(key);
      const next = await store.claimAttempt(key);
      assert.equal(next.allowed, true);
      assert.ok(secondsUntil(next.lockedUntil) > 115);
      assert.equal((await store.claimAttempt(key)).allowed, false);
    });

    test('the 100th consecutive failure locks until a reset (NIST)', async () => {
      const store = fixture.store();
      const key = uniqueKey();
      await fixture.setFailures(key, 99);
      const hundredth = await store.claimAttempt(key);
      assert.equal(hundredth.allowed, true);
      assert.equal(hundredth.lockedUntil?.getUTCFullYear(), 9999);
      assert.equal((await store.claimAttempt(key)).allowed, false);
      await store.reset(key);
      assert.equal((await store.claimAttempt(key)).allowed, true);
    });

    test('the lock without end does not lapse while the guessing goes on', async () => {
      const store = fixture.store();
      const claimed = uniqueKey();
      await fixture.setFailures(claimed, 99);
      assert.equal((await store.claimAttempt(claimed)).allowed, true);
      const recorded = uniqueKey();
      await fixture.setFailures(recorded, 99);
      await store.recordFailure(recorded);
      for (const key of [claimed, recorded]) {
        // Refused guesses, then the time a forgetful store would have let pass.
        for (let i = 0; i < 3; i++) assert.equal((await store.claimAttempt(key)).allowed, false);
        await fixture.forgetIdle(key);
        assert.equal((await store.claimAttempt(key)).allowed, false, key);
        assert.equal((await store.lockState(key)).lockedUntil?.getUTCFullYear(), 9999);
      }
    });

    test('an address is held at its ceiling under a burst, gets a success back, and starts afresh', async () => {
      const store = fixture.store();
      const ip = uniqueAddress();
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimIpAttempt(ip, 3)));
      assert.equal(claims.filter((c) => c.allowed).length, 3);
      const state = await store.ipState(ip);
      assert.equal(state.failures, 3);
      assert.ok(secondsUntil(state.windowEndsAt) > 890 && secondsUntil(state.windowEndsAt) <= 900);

      await store.releaseIpAttempt(ip);
      assert.equal((await store.claimIpAttempt(ip, 3)).allowed, true);
      assert.equal((await store.claimIpAttempt(ip, 3)).allowed, false);

      await fixture.endIpWindow(ip);
      assert.equal((await store.ipState(ip)).failures, 0);
      const fresh = await store.claimIpAttempt(ip, 3);
      assert.equal(fresh.allowed, true);
      assert.equal(fresh.failures, 1);
    });

    test("a sign-in's claims: the key is claimed only when the address is, exactly under a burst", async () => {
      const store = fixture.store();
      const ip = uniqueAddress();
      const key = uniqueKey();
      const claims = await Promise.all(Array.from({ length: 12 }, () => store.claimSignIn(ip, 8, key)));
      // The address lets 8 through; of those, the key lets its free failures through.
      assert.equal(claims.filter((c) => c.ip.allowed).length, 8);
      assert.equal(claims.filter((c) => !c.ip.allowed && c.account === undefined).length, 4);
      assert.equal(claims.filter((c) => c.account?.allowed).length, FREE_FAILURES);
      assert.equal((await store.lockState(key)).failures, FREE_FAILURES);
      assert.equal((await store.ipState(ip)).failures, 8);
      const refused = claims.find((c) => !c.ip.allowed);
      assert.ok(refused && secondsUntil(refused.ip.windowEndsAt) > 890);
      const locked = claims.find((c) => c.ip.allowed && c.account?.allowed === false);
      assert.ok(locked?.account?.lockedUntil);
    });

    test('settling a sign-in gives back the address claim and forgives every key named', async () => {
      const store = fixture.store();
      const ip = uniqueAddress();
      const [account, device, untouched] = [uniqueKey(), uniqueKey(), uniqueKey()];
      for (const key of [account, device, untouched]) await fixture.setFailures(key, 3);
      await store.claimIpAttempt(ip, 10);
      await store.claimIpAttempt(ip, 10);
      await store.settleSignIn(ip, [device, account]);
      assert.equal((await store.ipState(ip)).failures, 1);
      assert.equal((await store.lockState(account)).failures, 0);
      assert.equal((await store.lockState(device)).failures, 0);
      assert.equal((await store.lockState(untouched)).failures, 3);
    });

    test('giving back a claim never takes an address below zero', async () => {
      const store = fixture.store();
      const ip = uniqueAddress();
      await store.releaseIpAttempt(ip);
      await store.recordIpFailure(ip);
      await store.releaseIpAttempt(ip);
      await store.releaseIpAttempt(ip);
      assert.equal((await store.ipState(ip)).failures, 0);
      assert.equal((await store.claimIpAttempt(ip, 1)).allowed, true);
      assert.equal((await store.claimIpAttempt(ip, 1)).allowed, false);
    });
  });
}

describe('Redis counters', withRedis, () => {
  test('are forgotten after a day without failures, a month once in backoff, never once locked for good', async () => {
    const ttlAfter = async (failures: number): Promise<number> => {
      const key = uniqueKey();
      for (let i = 0; i < failures; i++) await redisStore.recordFailure(key);
      return redis.ttl(TEST_PREFIX + key);
    };
    const idle = await ttlAfter(FREE_FAILURES - 1);
    assert.ok(idle > IDLE_COUNTER_KEPT_SECONDS - 5 && idle <= IDLE_COUNTER_KEPT_SECONDS, `ttl ${idle}`);
    const backoff = await ttlAfter(FREE_FAILURES);
    assert.ok(
      backoff > BACKOFF_COUNTER_KEPT_SECONDS - 5 && backoff <= BACKOFF_COUNTER_KEPT_SECONDS,
      `ttl ${backoff}`,
    );
    // -1: the key is kept without an expiry.
    assert.equal(await ttlAfter(MAX_CONSECUTIVE_FAILURES), -1);
  });
});

describe('sign-in with redis.url', withRedis, () => {
  test('backs off after failures and lets the user in once the wait is over, with the counters in Redis', async () => {
    const user = await createTestUser(db);
    const key = `account:${user.username}`;
    // Addresses of their own: the Redis may be shared, and 127.0.0.1 with it.
    const remoteAddress = uniqueAddress();
    wardKeys.push(key, `ip:${remoteAddress}`);
    const attempt = (password: string) =>
      login(ward.server.app, { username: user.username, password, remoteAddress });
    for (let i = 0; i < 5; i += 1) {
      assert.equal(errorCode(await attempt(`guess ${i}`)), 'invalid_credentials');
    }
    assert.equal((await attempt(user.password)).statusCode, 401);
    assert.equal(await redis.hget(WARD_PREFIX + key, 'failures'), '5');
    const postgresRows = await db
      .selectFrom('ward.throttle_counters')
      .select('key')
      .where('key', '=', key)
      .execute();
    assert.deepEqual(postgresRows, [], 'PostgreSQL holds no counter when Redis does the job');

    await redis.hset(WARD_PREFIX + key, 'lockedUntil', String(Date.now() - 1000));
    await signIn(ward.server.app, { username: user.username, password: user.password, remoteAddress });
    assert.equal(await redis.exists(WARD_PREFIX + key), 0, 'a success clears the counter');
  });

  test('a burst of parallel guesses is held to the free failures', async () => {
    const user = await createTestUser(db);
    wardKeys.push(`account:${user.username}`);
    const remoteAddress = uniqueAddress();
    wardKeys.push(`ip:${remoteAddress}`);
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        login(ward.server.app, { username: user.username, password: `guess ${i}`, remoteAddress }),
      ),
    );
    for (const response of burst) assert.equal(errorCode(response), 'invalid_credentials');
    assert.equal(
      await redis.hget(`${WARD_PREFIX}account:${user.username}`, 'failures'),
      String(FREE_FAILURES),
    );
    assert.equal(await redis.get(`${WARD_PREFIX}ip:${remoteAddress}`), String(FREE_FAILURES));
  });

  test('an address at its ceiling gets 429 with Retry-After', async () => {
    const user = await createTestUser(db);
    const remoteAddress = uniqueAddress();
    wardKeys.push(`ip:${remoteAddress}`, `account:${user.username}`);
    await redis.set(`${WARD_PREFIX}ip:${remoteAddress}`, '100', 'EX', 600);
    const refused = await login(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress,
    });
    assert.equal(refused.statusCode, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 590 && retryAfter <= 600, `Retry-After ${retryAfter}`);
    const elsewhere = uniqueAddress();
    wardKeys.push(`ip:${elsewhere}`);
    await signIn(ward.server.app, {
      username: user.username,
      password: user.password,
      remoteAddress: elsewhere,
    });
  });
});

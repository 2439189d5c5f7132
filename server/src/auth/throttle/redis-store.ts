import { Redis } from 'ioredis';
import {
  BACKOFF_COUNTER_KEPT_SECONDS,
  IDLE_COUNTER_KEPT_SECONDS,
  IP_WINDOW_SECONDS,
  LOCKED_FOREVER,
  lockSecondsAfter,
  MAX_CONSECUTIVE_FAILURES,
} from './policy.ts';
import type { Claim, IpState, LockState, SignInClaims, ThrottleStore } from './store.ts';

// Counters expire on their own a day after the last failure (a week once the permanent lock
// applies), so Redis needs no clean-up job.
const FOREVER_MS = LOCKED_FOREVER.getTime();

// Milliseconds of lock after the n-th consecutive failure (index n - 1), -1 for a lock without end:
// the backoff policy handed to the claim script, which applies it in the same atomic step.
const LOCK_MS = Array.from({ length: MAX_CONSECUTIVE_FAILURES }, (_, i) => {
  const seconds = lockSecondsAfter(i + 1);
  return Number.isFinite(seconds) ? seconds * 1000 : -1;
});

// KEYS[1] the counter; ARGV: now (ms), forever (ms), idle ttl, backoff ttl, then LOCK_MS. A counter
// is forgotten after its policy's time without failures (IDLE_COUNTER_KEPT_SECONDS, or
// BACKOFF_COUNTER_KEPT_SECONDS once in backoff), never once it holds the lock without end.
// Returns {allowed, failures, lockedUntil ms or 0}.
const CLAIM_ATTEMPT = `
local now = tonumber(ARGV[1])
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local locked = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')
if locked > now then return {0, failures, locked} end
failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local policy = #ARGV - 4
local ms = tonumber(ARGV[4 + math.min(failures, policy)])
locked = 0
if ms < 0 then locked = tonumber(ARGV[2]) elseif ms > 0 then locked = now + ms end
redis.call('HSET', KEYS[1], 'lockedUntil', locked)
if failures >= policy then redis.call('PERSIST', KEYS[1])
elseif ms > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4])
else redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {1, failures, locked}
`;

// KEYS[1] the address counter; ARGV: ceiling, window seconds. Returns {allowed, count, ttl ms}.
const CLAIM_IP_ATTEMPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return {0, count, redis.call('PTTL', KEYS[1])} end
count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2]) * 1000
end
return {1, count, ttl}
`;

const RELEASE_IP_ATTEMPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/** Throttle counters in Redis, for deployments that run it: atomic INCR and expiry per key. */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(url: string, prefix = 'ward:throttle:') {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    // Errors surface on the commands; the client reconnects by itself.
    this.#redis.on('error', () => undefined);
    this.#prefix = prefix;
  }

  async lockState(key: string): Promise<LockState> {
    const [failures, until] = await this.#redis.hmget(this.#prefix + key, 'failures', 'lockedUntil');
    const lockedMs = Number(until ?? 0);
    return {
      failures: Number(failures ?? 0),
      lockedUntil: lockedMs > Date.now() ? new Date(lockedMs) : undefined,
    };
  }

  async recordFailure(key: string): Promise<LockState> {
    const k = this.#prefix + key;
    const failures = await this.#redis.hincrby(k, 'failures', 1);
    const seconds = lockSecondsAfter(failures);
    let lockedUntil: Date | undefined;
    if (seconds > 0) {
      lockedUntil = Number.isFinite(seconds) ? new Date(Date.now() + seconds * 1000) : LOCKED_FOREVER;
      await this.#redis.hset(k, 'lockedUntil', String(lockedUntil.getTime()));
    }
    if (failures >= MAX_CONSECUTIVE_FAILURES) await this.#redis.persist(k);
    else await this.#redis.expire(k, seconds > 0 ? BACKOFF_COUNTER_KEPT_SECONDS : IDLE_COUNTER_KEPT_SECONDS);
    return { failures, lockedUntil };
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async ipState(ip: string): Promise<IpState> {
    const k = `${this.#prefix}ip:${ip}`;
    const [count, ttl] = await Promise.all([this.#redis.get(k), this.#redis.pttl(k)]);
    return {
      failures: Number(count ?? 0),
      windowEndsAt: new Date(Date.now() + (ttl > 0 ? ttl : IP_WINDOW_SECONDS * 1000)),
    };
  }

  async recordIpFailure(ip: string): Promise<IpState> {
    const k = `${this.#prefix}ip:${ip}`;
    const results = await this.#redis.multi().incr(k).expire(k, IP_WINDOW_SECONDS, 'NX').pttl(k).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? IP_WINDOW_SECONDS * 1000);
    return { failures: count, windowEndsAt: new Date(Date.now() + ttl) };
  }

  async claimAttempt(key: string): Promise<Claim<LockState>> {
    const [allowed, failures, locked] = (await this.#redis.eval(
      CLAIM_ATTEMPT,
      1,
      this.#prefix + key,
      Date.now(),
      FOREVER_MS,
      IDLE_COUNTER_KEPT_SECONDS,
      BACKOFF_COUNTER_KEPT_SECONDS,
      ...LOCK_MS,
    )) as [number, number, number];
    return { allowed: allowed === 1, failures, lockedUntil: locked > 0 ? new Date(locked) : undefined };
  }

  async claimIpAttempt(ip: string, ceiling: number): Promise<Claim<IpState>> {
    const [allowed, count, ttl] = (await this.#redis.eval(
      CLAIM_IP_ATTEMPT,
      1,
      `${this.#prefix}ip:${ip}`,
      ceiling,
      IP_WINDOW_SECONDS,
    )) as [number, number, number];
    return {
      allowed: allowed === 1,
      failures: count,
      windowEndsAt: new Date(Date.now() + (ttl > 0 ? ttl : IP_WINDOW_SECONDS * 1000)),
    };
  }

  async releaseIpAttempt(ip: string): Promise<void> {
    await this.#redis.eval(RELEASE_IP_ATTEMPT, 1, `${this.#prefix}ip:${ip}`);
  }

  async claimSignIn(ip: string, ceiling: number, key: string): Promise<SignInClaims> {
    const address = await this.claimIpAttempt(ip, ceiling);
    return { ip: address, account: address.allowed ? await this.claimAttempt(key) : undefined };
  }

  async settleSignIn(ip: string, keys: readonly string[]): Promise<void> {
    await Promise.all([this.releaseIpAttempt(ip), this.#redis.del(...keys.map((k) => this.#prefix + k))]);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
  }
}

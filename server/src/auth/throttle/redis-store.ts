import { Redis } from 'ioredis';
import { IP_WINDOW_SECONDS, lockSecondsAfter, MAX_CONSECUTIVE_FAILURES } from './policy.ts';
import type { IpState, LockState, ThrottleStore } from './store.ts';

// Counters expire on their own a day after the last failure (a week once the permanent lock
// applies), so Redis needs no clean-up job.
const COUNTER_TTL_SECONDS = 24 * 3600;
const PERMANENT_TTL_SECONDS = 7 * 24 * 3600;

/** Throttle counters in Redis, for deployments that run it: atomic INCR and expiry per key. */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(url: string, prefix = 'ward:throttle:') {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false });
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
      lockedUntil = Number.isFinite(seconds)
        ? new Date(Date.now() + seconds * 1000)
        : new Date('9999-12-31T00:00:00Z');
      await this.#redis.hset(k, 'lockedUntil', String(lockedUntil.getTime()));
    }
    await this.#redis.expire(
      k,
      failures >= MAX_CONSECUTIVE_FAILURES ? PERMANENT_TTL_SECONDS : COUNTER_TTL_SECONDS,
    );
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

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
  }
}

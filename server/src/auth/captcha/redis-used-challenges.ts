import { Redis } from 'ioredis';
import { KEPT_AFTER_EXPIRY_MS, type UsedChallenges } from './used-challenges.ts';

export interface RedisUsedChallengesOptions {
  /** Prepended to every key; the throttle counters use `ward:throttle:`. */
  readonly prefix?: string;
  /** How long a key outlives its challenge; tests shorten it to watch a key expire. */
  readonly keptAfterExpiryMs?: number;
}

/** Redeemed ALTCHA challenges in Redis: one key per signature, which expires on its own. */
export class RedisUsedChallenges implements UsedChallenges {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #keptAfterExpiryMs: number;

  constructor(url: string, options: RedisUsedChallengesOptions = {}) {
    // The same client settings as the throttle store's: a command fails after two reconnection
    // attempts, and the verifier then fails closed.
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    // Errors surface on the commands; the client reconnects by itself.
    this.#redis.on('error', () => undefined);
    this.#prefix = options.prefix ?? 'ward:altcha:used:';
    this.#keptAfterExpiryMs = options.keptAfterExpiryMs ?? KEPT_AFTER_EXPIRY_MS;
  }

  async claim(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    // SET NX is the atomic check-and-record. The lifetime is counted from the claiming node's clock,
    // the one that judged the challenge unexpired, so Redis's own clock plays no part.
    const ttlMs = Math.max(1, expiresAtMs - nowMs) + this.#keptAfterExpiryMs;
    const reply = await this.#redis.set(this.#prefix + signature, '1', 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
  }
}

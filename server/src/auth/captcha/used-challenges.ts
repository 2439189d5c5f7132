/**
 * Signatures of ALTCHA challenges already redeemed, shared by every node: in PostgreSQL by default,
 * in Redis when `redis.url` is set (like the throttle counters). A solution redeemed on one node is
 * therefore refused on every other, not just on the node that took it. Signatures are not secrets,
 * but they are never logged.
 */
export interface UsedChallenges {
  /**
   * Records the signature as redeemed and returns true, or returns false if it already was and that
   * entry has not expired by `nowMs` (the verifier's clock). One atomic step in the store: of two
   * concurrent claims of one signature, on one node or two, exactly one returns true. Throws when
   * the store cannot be reached.
   */
  claim(signature: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * How long a store keeps an entry after its challenge expires before it may forget it: so that a
 * node whose clock lags the claiming node's (or the store's) by less than this still finds it.
 */
export const KEPT_AFTER_EXPIRY_MS = 60_000;

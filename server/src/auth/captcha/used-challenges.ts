// How often forgotten entries are swept out; between sweeps a lookup stays O(1).
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Signatures of ALTCHA challenges already redeemed, each kept until its challenge expires (after
 * which the challenge is refused as expired anyway). In memory, so it guards one process: with
 * several nodes a solution redeemed on one could be replayed once on each other node, until the
 * challenge expires; closing that needs a store every node shares.
 */
export class UsedChallenges {
  readonly #expiryBySignature = new Map<string, number>();
  #nextSweepAt = 0;

  /** Records the signature and returns true, or returns false if it was already redeemed. */
  claim(signature: string, expiresAtMs: number, nowMs: number): boolean {
    this.#sweep(nowMs);
    // Synchronous check-and-set: two concurrent requests with one payload cannot both pass.
    if (this.#expiryBySignature.has(signature)) return false;
    this.#expiryBySignature.set(signature, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.#expiryBySignature.size;
  }

  #sweep(nowMs: number): void {
    if (nowMs < this.#nextSweepAt) return;
    this.#nextSweepAt = nowMs + SWEEP_INTERVAL_MS;
    for (const [signature, expiresAtMs] of this.#expiryBySignature) {
      if (expiresAtMs <= nowMs) this.#expiryBySignature.delete(signature);
    }
  }
}

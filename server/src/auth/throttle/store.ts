/** A lock on an account or device: how many failures in a row, and until when it is locked. */
export interface LockState {
  readonly failures: number;
  readonly lockedUntil: Date | undefined;
}

export interface IpState {
  readonly failures: number;
  readonly windowEndsAt: Date;
}

/** The answer to a claim: whether the guess may be checked, and the counter after the claim. */
export type Claim<State> = State & { readonly allowed: boolean };

export interface SignInClaims {
  readonly ip: Claim<IpState>;
  readonly account: Claim<LockState> | undefined;
}

/**
 * Sign-in counters shared by every node: PostgreSQL by default, Redis when `redis.url` is set.
 * Keys are opaque strings (`account:<username>`, `device:<id>`, `ip:<address>`).
 */
export interface ThrottleStore {
  lockState(key: string): Promise<LockState>;
  /** Counts one more consecutive failure and applies the backoff policy. */
  recordFailure(key: string): Promise<LockState>;
  reset(key: string): Promise<void>;
  ipState(ip: string): Promise<IpState>;
  recordIpFailure(ip: string): Promise<IpState>;
  /**
   * Counts a guess as a failure before it is checked, unless the key is locked, in one atomic step,
   * so that a burst of parallel guesses gets no more tries than the same guesses one after another
   * (a lock check made before any of them was counted would let them all through). A correct
   * guess then `reset`s the key.
   */
  claimAttempt(key: string): Promise<Claim<LockState>>;
  /** The same for an address: counts one more failure in its window unless `ceiling` is reached. */
  claimIpAttempt(ip: string, ceiling: number): Promise<Claim<IpState>>;
  /** Gives back an address's claimed failure when the guess was right or was not checked after all. */
  releaseIpAttempt(ip: string): Promise<void>;
  /**
   * Both claims of a sign-in in one step where the store allows: the address's, then, only if it
   * was allowed, the key's (`account` is undefined when the address was refused).
   */
  claimSignIn(ip: string, ceiling: number, key: string): Promise<SignInClaims>;
  /** After a complete sign-in: gives back the address's claim and forgives the keys' failures. */
  settleSignIn(ip: string, keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A lock on an account or device: how many failures in a row, and until when it is locked. */
export interface LockState {
  readonly failures: number;
  readonly lockedUntil: Date | undefined;
}

export interface IpState {
  readonly failures: number;
  readonly windowEndsAt: Date;
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
  close(): Promise<void>;
}

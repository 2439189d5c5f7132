import type { WardConfig } from '../config/types.ts';
import type { Database } from '../db/database.ts';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  readonly status: CheckStatus;
  /** What was found, in one sentence. Never a secret value. */
  readonly detail: string;
  /** What to do about it; shown for WARN and FAIL. */
  readonly fix?: string;
}

/** What a check may look at. The database is opened on first use and shared by every check. */
export interface DoctorContext {
  readonly config: WardConfig;
  /** Ward's database, migrated, with the runtime role's pool; rejects when it cannot be reached. */
  readonly database: () => Promise<Database>;
  /** When the audit runs (certificate expiry is judged against it). */
  readonly now: Date;
}

export interface Check {
  readonly id: string;
  /** The item of the institutions' checklist this check comes from, e.g. "1. Change the default admin password". */
  readonly title: string;
  /** When false for a configuration, the check is not run (another check already covers the case). */
  readonly appliesTo?: (config: WardConfig) => boolean;
  run(context: DoctorContext): Promise<CheckResult>;
}

export function pass(detail: string): CheckResult {
  return { status: 'PASS', detail };
}

export function warn(detail: string, fix: string): CheckResult {
  return { status: 'WARN', detail, fix };
}

export function fail(detail: string, fix: string): CheckResult {
  return { status: 'FAIL', detail, fix };
}

/** A check that judges the configuration alone, with a pure function that tests can call directly. */
export function configCheck(
  id: string,
  title: string,
  judge: (config: WardConfig, now: Date) => CheckResult,
): Check {
  return { id, title, run: async ({ config, now }) => judge(config, now) };
}

import type { WardConfig } from '../config/types.ts';
import type { Check, CheckResult } from './check.ts';
import { DOCTOR_CHECKS } from './checks.ts';
import { createDoctorContext, DatabaseUnreachableError } from './context.ts';
import { formatCheck, formatSummary } from './report.ts';

export interface DoctorOptions {
  readonly checks?: readonly Check[];
  /** When the audit runs; certificate expiry is judged against it. */
  readonly now?: Date;
}

function unreachableFix(config: WardConfig): string {
  return config.database.url === undefined
    ? 'only one process at a time can run the embedded PostgreSQL in data.dir: stop Ward, run doctor, start Ward again'
    : 'check database.url and that PostgreSQL is running and reachable from here, then run doctor again';
}

/** A check that cannot run is a failure: an audit that could not look must not pass. */
function failureOf(error: unknown, config: WardConfig): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DatabaseUnreachableError) {
    return {
      status: 'FAIL',
      detail: `cannot check, the database is unreachable: ${message}`,
      fix: unreachableFix(config),
    };
  }
  return {
    status: 'FAIL',
    detail: `the check could not run: ${message}`,
    fix: 'fix the cause and run doctor again',
  };
}

/**
 * Audits a deployment against the institutions' security guide and prints one verdict per check.
 * Returns the exit status: 1 when any check fails, 0 otherwise. Never prints a secret value.
 */
export async function runDoctor(
  config: WardConfig,
  print: (line: string) => void,
  options: DoctorOptions = {},
): Promise<number> {
  const context = createDoctorContext(config, options.now ?? new Date());
  print(`Ward doctor: ${config.file ?? 'no properties file'}, ${config.mode} mode`);
  const results: CheckResult[] = [];
  try {
    for (const check of options.checks ?? DOCTOR_CHECKS) {
      if (check.appliesTo && !check.appliesTo(config)) continue;
      let result: CheckResult;
      try {
        result = await check.run(context);
      } catch (error) {
        result = failureOf(error, config);
      }
      results.push(result);
      for (const line of formatCheck({ title: check.title, result })) print(line);
    }
  } finally {
    await context.close();
  }
  print(formatSummary(results));
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}

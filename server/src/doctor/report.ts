import type { CheckResult } from './check.ts';

export interface ReportedCheck {
  readonly title: string;
  readonly result: CheckResult;
}

/** `PASS  <title> — <detail>`, then an indented `fix:` line for WARN and FAIL. */
export function formatCheck({ title, result }: ReportedCheck): string[] {
  const lines = [`${result.status}  ${title} — ${result.detail}`];
  if (result.status !== 'PASS' && result.fix !== undefined) lines.push(`      fix: ${result.fix}`);
  return lines;
}

export function formatSummary(results: readonly CheckResult[]): string {
  const count = (status: CheckResult['status']): number => results.filter((r) => r.status === status).length;
  const warnings = count('WARN');
  return `${count('PASS')} passed, ${warnings} warning${warnings === 1 ? '' : 's'}, ${count('FAIL')} failed`;
}

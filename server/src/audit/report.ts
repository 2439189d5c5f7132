import type { VerificationReport } from './verify.ts';

/** The lines `ward audit-verify` prints for a report. */
export function describeVerification(report: VerificationReport): string[] {
  const lines = [
    `${report.sealed} sealed audit events checked, ${report.unsealed} not yet sealed`,
    `chain head: seal ${report.headSeq}, ${report.headHash}`,
    '  (keep this line somewhere else: a later head that does not continue from it means the tail was cut)',
  ];
  if (report.firstProblem) {
    lines.push(`FAILED: ${report.problems} problem(s); the first: ${report.firstProblem.message}`);
  } else {
    lines.push('OK: no audit event was changed, deleted or inserted out of band');
  }
  return lines;
}

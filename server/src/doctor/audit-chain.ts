import { verifyAuditTrail } from '../audit/verify.ts';
import { auditKeys } from '../services.ts';
import { fail, pass, type Check } from './check.ts';

/** The audit trail is the proof of who touched what: `audit-verify`, run as part of the audit. */
export const auditChainCheck: Check = {
  id: 'audit-chain',
  title: 'Audit trail intact (append-only, hash-chained)',
  run: async ({ config, database }) => {
    const { pool } = await database();
    const report = await verifyAuditTrail(pool, auditKeys(config));
    if (report.firstProblem) {
      return fail(
        `${report.problems} problem(s) in the audit trail; the first: ${report.firstProblem.message}`,
        'investigate who has write access to the database as its owner; restore the audit tables from a backup if needed',
      );
    }
    return pass(`${report.sealed} sealed events verified, ${report.unsealed} awaiting their seal`);
  },
};

import { adminPasswordCheck } from './admin-password.ts';
import { auditChainCheck } from './audit-chain.ts';
import { administratorsTwoFactorCheck } from './administrators-two-factor.ts';
import type { Check } from './check.ts';
import { databaseRolesCheck } from './database-role.ts';
import { httpsCheck } from './https.ts';
import { listeningPortCheck, servicePortsCheck } from './ports.ts';
import { recaptchaCheck } from './recaptcha.ts';
import { tokenSecretCheck, twoFactorKeyCheck } from './secrets.ts';
import { twoFactorCheck } from './two-factor.ts';

/**
 * Every check `ward doctor` runs, in the order of the institutions' guide. A feature that adds a
 * security property adds its check here. (Item 8, an external audit, is not something a program
 * can verify.)
 */
export const DOCTOR_CHECKS: readonly Check[] = [
  adminPasswordCheck,
  httpsCheck,
  listeningPortCheck,
  servicePortsCheck,
  recaptchaCheck,
  twoFactorCheck,
  administratorsTwoFactorCheck,
  twoFactorKeyCheck,
  tokenSecretCheck,
  databaseRolesCheck,
  auditChainCheck,
];

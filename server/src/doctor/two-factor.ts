import type { WardConfig } from '../config/types.ts';
import { configCheck, fail, pass, warn, type Check, type CheckResult } from './check.ts';
import { CHECKLIST } from './checklist.ts';

export function judgeTwoFactor(config: WardConfig): CheckResult {
  if (!config.twoFactor.featureEnabled) {
    const detail =
      'two-factor authentication is off: a guessed or stolen password is enough to open patient records';
    const fix =
      'set app.feature.HABILITAR_2FA=true, enable it for each institution, and tell users to activate it in their profile';
    return config.mode === 'production' ? fail(detail, fix) : warn(detail, fix);
  }
  return pass(
    'two-factor authentication is available (each institution enables it; tell users to activate it)',
  );
}

export const twoFactorCheck: Check = configCheck('two-factor', CHECKLIST.twoFactor, judgeTwoFactor);

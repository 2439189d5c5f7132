import { MINIMUM_SECRET_BYTES, secretWeakness, type SecretWeakness } from '../config/secrets.ts';
import type { WardConfig } from '../config/types.ts';
import { configCheck, fail, pass, warn, type Check, type CheckResult } from './check.ts';
import { CHECKLIST } from './checklist.ts';

const WEAKNESS: Record<SecretWeakness, string> = {
  missing: 'is not set',
  short: `is shorter than ${MINIMUM_SECRET_BYTES} bytes`,
  'well-known': 'is a well-known default that attackers try first',
  'low-variety': 'repeats too few distinct characters to be random',
};

function generateFix(key: string): string {
  return `generate one with \`openssl rand -base64 48\` and set ${key}=<value>, identical on every node`;
}

function isGenerated(config: WardConfig, key: string, value: string | undefined): boolean {
  return value === undefined || (config.sources.get(key)?.startsWith('generated') ?? false);
}

/** Judges one signing or encryption key without ever showing its value. */
function judgeSecret(config: WardConfig, key: string, value: string | undefined, fix: string): CheckResult {
  if (config.mode === 'development' && isGenerated(config, key, value)) {
    return warn(
      `${key} is generated for development (kept in data.dir)`,
      `before production, ${generateFix(key)}`,
    );
  }
  const weakness = secretWeakness(value);
  if (weakness) return fail(`${key} ${WEAKNESS[weakness]}`, `${generateFix(key)}${fix}`);
  const source = config.sources.get(key);
  return pass(`${key} is strong${source === undefined ? '' : ` (set in ${source})`}`);
}

export function judgeTokenSecret(config: WardConfig): CheckResult {
  const current = judgeSecret(
    config,
    'token.secret',
    config.token.secret,
    '; sessions signed with the old value end, which is what you want after a weak one',
  );
  const previous = config.token.previousSecret;
  if (current.status !== 'FAIL' && previous !== undefined) {
    const weakness = secretWeakness(previous);
    if (weakness) {
      return fail(
        `token.secret.previous ${WEAKNESS[weakness]}, and tokens signed with it are still accepted`,
        'remove token.secret.previous',
      );
    }
  }
  return current;
}

export function judgeTwoFactorKey(config: WardConfig): CheckResult {
  const key = config.twoFactor.key;
  if (key !== undefined && key === config.token.secret) {
    return fail(
      'auth.2fa.password is the same value as token.secret: one leak would expose both',
      generateFix('auth.2fa.password'),
    );
  }
  return judgeSecret(
    config,
    'auth.2fa.password',
    key,
    '; if users have already enrolled, keep the old value in auth.2fa.password.previous until their secrets are re-encrypted',
  );
}

export const tokenSecretCheck: Check = configCheck('token-secret', CHECKLIST.tokenSecret, judgeTokenSecret);
export const twoFactorKeyCheck: Check = configCheck('two-factor-key', CHECKLIST.twoFactor, judgeTwoFactorKey);

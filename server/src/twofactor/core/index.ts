// Pure two-factor building blocks: no database, no HTTP. The service layer records used steps, stores the
// encrypted secret and the recovery-code hashes, and counts tries per challenge.
export {
  TOTP_SECRET_BYTES,
  formatSecretForReading,
  generateTotpSecret,
  isReplay,
  matchTotpStep,
  otpauthUri,
  qrSvg,
  secretToBase32,
  totpStepAt,
} from './totp.ts';
export {
  SecretKeyUnavailableError,
  SecretTamperedError,
  decryptSecret,
  deriveSecretKey,
  encryptSecret,
  generateKeySalt,
  keyCheckValue,
  keyIdOf,
  keyMatches,
} from './secret-box.ts';
export type { SecretKey } from './secret-box.ts';
export {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_BITS,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_LENGTH,
  generateRecoveryCodes,
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes.ts';

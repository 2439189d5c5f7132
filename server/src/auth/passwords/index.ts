// Ward's passwords: argon2id hashing and the NIST SP 800-63B policy for choosing one.
export { ARGON2_PARAMS, dummyVerify, HASH_SLOTS, hashPassword, needsRehash, verifyPassword } from './hash.ts';
export {
  checkPassword,
  MIN_LENGTH_WITH_SECOND_FACTOR,
  MIN_LENGTH_WITHOUT_SECOND_FACTOR,
  minimumLengthFor,
  NIST_DEFAULT_RULES,
} from './policy.ts';
export type {
  PasswordContext,
  PasswordProblem,
  PasswordProblemCode,
  PasswordRules,
  PasswordVerdict,
} from './policy.ts';
export { loadBundledBlocklist, parseBlocklist } from './blocklist.ts';
export type { PasswordBlocklist } from './blocklist.ts';
export { normalizePassword } from './normalize.ts';

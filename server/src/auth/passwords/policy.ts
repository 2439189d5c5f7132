import { blocklistKey, loadBundledBlocklist, type PasswordBlocklist } from './blocklist.ts';
import { normalizePassword, passwordLength } from './normalize.ts';

/** What an institution's credential level asks of a password. */
export interface PasswordRules {
  /** Fewest characters (code points after NFKC); see `minimumLengthFor`. */
  readonly minLength: number;
  /** Most characters; NIST SP 800-63B asks that at least 64 be allowed. */
  readonly maxLength: number;
  /** Require a lowercase and an uppercase letter, a digit and a symbol. NIST advises against it. */
  readonly composition: boolean;
}

/** Facts about the account that an attacker who targets it would try in its password. */
export interface PasswordContext {
  readonly username: string;
  readonly displayName?: string | undefined;
  readonly email?: string | undefined;
  readonly institutionName?: string | undefined;
}

export type PasswordProblemCode =
  'too_short' | 'too_long' | 'common' | 'contains_context' | 'composition' | 'repeated_or_sequential';

export interface PasswordProblem {
  readonly code: PasswordProblemCode;
  /** English text to show the person choosing the password. */
  readonly message: string;
  readonly min?: number;
  readonly max?: number;
  /** For `contains_context`: the word found in the password. */
  readonly word?: string;
}

export type PasswordVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reasons: PasswordProblem[] };

/** NIST SP 800-63B: length and a blocklist, no composition rules. */
export const NIST_DEFAULT_RULES: PasswordRules = Object.freeze({
  minLength: 8,
  maxLength: 128,
  composition: false,
});

/** NIST SP 800-63B's floor: 8 characters when a second factor protects the account, 15 when it does not. */
export const MIN_LENGTH_WITH_SECOND_FACTOR = 8;
export const MIN_LENGTH_WITHOUT_SECOND_FACTOR = 15;

/** The minimum length for one account: its credential level's, raised to NIST's floor. */
export function minimumLengthFor(options: { levelMinLength: number; hasSecondFactor: boolean }): number {
  const floor = options.hasSecondFactor ? MIN_LENGTH_WITH_SECOND_FACTOR : MIN_LENGTH_WITHOUT_SECOND_FACTOR;
  return Math.max(options.levelMinLength, floor);
}

// Shorter names, name parts and bases would reject many good passwords by chance.
const MIN_MATCHED_WORD_LENGTH = 4;
const TRAILING_DIGITS_OR_SYMBOLS = /[\p{N}\p{P}\p{S}\p{Z}]+$/u;
const WORD_SEPARATORS = /[^\p{L}\p{N}]+/gu;
const SYSTEM_NAME = 'ward';

/**
 * Judges a new password against `rules`, the account's `context` and a blocklist of common and
 * breached passwords (the bundled one unless another is given). Every problem found is reported.
 */
export function checkPassword(
  password: string,
  rules: PasswordRules,
  context: PasswordContext,
  blocklist: PasswordBlocklist = loadBundledBlocklist(),
): PasswordVerdict {
  assertUsableRules(rules);
  const normalized = normalizePassword(password);
  const length = passwordLength(normalized);
  // Past the maximum the person must shorten it anyway; judging the rest of a huge input is wasted work.
  if (length > rules.maxLength) {
    return { ok: false, reasons: [tooLong(rules.maxLength, length)] };
  }

  const lower = normalized.toLowerCase();
  const reasons: PasswordProblem[] = [];
  if (length < rules.minLength) reasons.push(tooShort(rules.minLength, length));
  const common = commonPasswordProblem(lower, blocklist);
  if (common) reasons.push(common);
  reasons.push(...contextProblems(lower, context));
  const pattern = repeatedOrSequentialProblem(lower);
  if (pattern) reasons.push(pattern);
  if (rules.composition) {
    const composition = compositionProblem(normalized);
    if (composition) reasons.push(composition);
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

function assertUsableRules(rules: PasswordRules): void {
  const { minLength, maxLength } = rules;
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new RangeError(`Password minLength must be a whole number of at least 1, not ${minLength}.`);
  }
  if (!Number.isInteger(maxLength) || maxLength < 64 || maxLength < minLength) {
    throw new RangeError(
      `Password maxLength must be a whole number of at least 64 and at least minLength, not ${maxLength}.`,
    );
  }
}

function characters(count: number): string {
  return count === 1 ? '1 character' : `${count} characters`;
}

function tooShort(min: number, length: number): PasswordProblem {
  return {
    code: 'too_short',
    message: `At least ${characters(min)} are required; this password has ${length}.`,
    min,
  };
}

function tooLong(max: number, length: number): PasswordProblem {
  return {
    code: 'too_long',
    message: `At most ${characters(max)} are allowed; this password has ${length}.`,
    max,
  };
}

const CHOOSE_ANOTHER =
  'Choose another: a few unrelated words make a strong password that is easy to remember.';

function commonPasswordProblem(lower: string, blocklist: PasswordBlocklist): PasswordProblem | undefined {
  if (blocklist.has(lower)) {
    return {
      code: 'common',
      message: `This is one of the most common or breached passwords, which attackers try first. ${CHOOSE_ANOTHER}`,
    };
  }
  const base = lower.replace(TRAILING_DIGITS_OR_SYMBOLS, '');
  if (base !== lower && passwordLength(base) >= MIN_MATCHED_WORD_LENGTH && blocklist.has(base)) {
    return {
      code: 'common',
      message:
        'This is a common password with digits or symbols added at the end, which attackers try early. ' +
        CHOOSE_ANOTHER,
    };
  }
  return undefined;
}

interface ContextWord {
  readonly word: string;
  /** Whose word it is, as the message names it. */
  readonly source: string;
}

function contextWords(context: PasswordContext): ContextWord[] {
  const words: ContextWord[] = [];
  const add = (value: string, source: string): void => {
    const word = blocklistKey(value).trim();
    if (passwordLength(word) >= MIN_MATCHED_WORD_LENGTH) words.push({ word, source });
  };
  const addWithParts = (value: string, source: string): void => {
    add(value, source);
    for (const part of value.split(WORD_SEPARATORS)) add(part, source);
  };

  addWithParts(context.username, 'your username');
  if (context.displayName !== undefined) addWithParts(context.displayName, 'your name');
  if (context.email !== undefined) {
    const at = context.email.lastIndexOf('@');
    addWithParts(at === -1 ? context.email : context.email.slice(0, at), 'your email address');
  }
  if (context.institutionName !== undefined) {
    // The whole name, with and without its spaces; its single words are too ordinary to forbid.
    add(context.institutionName, "your institution's name");
    add(context.institutionName.replaceAll(WORD_SEPARATORS, ''), "your institution's name");
  }
  add(SYSTEM_NAME, 'the name of this system');
  return words;
}

function contextProblems(lower: string, context: PasswordContext): PasswordProblem[] {
  const found = contextWords(context).filter(({ word }) => lower.includes(word));
  // "john.smith" also matches "john" and "smith"; naming the longest match is enough.
  const reported = found.filter(
    ({ word }, index) =>
      !found.some((other) => other.word !== word && other.word.includes(word)) &&
      found.findIndex((other) => other.word === word) === index,
  );
  return reported.map(({ word, source }) => ({
    code: 'contains_context',
    message: `The password must not contain "${word}" (${source}), which an attacker would try first.`,
    word,
  }));
}

function repeatedOrSequentialProblem(lower: string): PasswordProblem | undefined {
  const codePoints = Array.from(lower, (character) => character.codePointAt(0) ?? 0);
  if (codePoints.length < 3) return undefined;
  if (isShortPatternRepeated(codePoints)) {
    return {
      code: 'repeated_or_sequential',
      message:
        'The password must not be one character or a short pattern repeated, such as "aaaaaaaa" or "abababab".',
    };
  }
  if (isSequence(codePoints)) {
    return {
      code: 'repeated_or_sequential',
      message: 'The password must not be a simple sequence, such as "12345678" or "abcdefgh".',
    };
  }
  return undefined;
}

/** A unit of 1 to 3 characters, repeated to fill the whole password at least twice over ("aaa", "ababa"). */
function isShortPatternRepeated(codePoints: readonly number[]): boolean {
  for (let unit = 1; unit <= 3 && unit * 2 < codePoints.length; unit++) {
    if (codePoints.every((codePoint, index) => codePoint === codePoints[index % unit])) return true;
  }
  return false;
}

/** Every character one up, or every one one down, from the one before ("abcd", "4321", "7890123"). */
function isSequence(codePoints: readonly number[]): boolean {
  const steps = codePoints.slice(1).map((codePoint, index) => stepBetween(codePoints[index] ?? 0, codePoint));
  const first = steps[0];
  return (first === 1 || first === -1) && steps.every((step) => step === first);
}

const DIGIT_ZERO = 0x30;
const DIGIT_NINE = 0x39;

function stepBetween(from: number, to: number): number {
  const isDigit = (codePoint: number): boolean => codePoint >= DIGIT_ZERO && codePoint <= DIGIT_NINE;
  if (!isDigit(from) || !isDigit(to)) return to - from;
  // Digits wrap round, as on a keyboard's number row: "…8901…" and "…1098…" are sequences too.
  const up = (to - from + 10) % 10;
  return up === 1 ? 1 : up === 9 ? -1 : 0;
}

const COMPOSITION_CLASSES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'a lowercase letter', pattern: /\p{Ll}/u },
  { name: 'an uppercase letter', pattern: /\p{Lu}/u },
  { name: 'a digit', pattern: /\p{Nd}/u },
  { name: 'a symbol', pattern: /[^\p{L}\p{N}]/u },
];

function compositionProblem(normalized: string): PasswordProblem | undefined {
  const missing = COMPOSITION_CLASSES.filter(({ pattern }) => !pattern.test(normalized)).map(
    ({ name }) => name,
  );
  if (missing.length === 0) return undefined;
  const list =
    missing.length === 1
      ? missing.join('')
      : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1) ?? ''}`;
  return {
    code: 'composition',
    message: `This institution requires a lowercase letter, an uppercase letter, a digit and a symbol; add ${list}.`,
  };
}

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBundledBlocklist, parseBlocklist } from './blocklist.ts';
import {
  checkPassword,
  minimumLengthFor,
  NIST_DEFAULT_RULES,
  type PasswordContext,
  type PasswordProblem,
  type PasswordProblemCode,
  type PasswordRules,
} from './policy.ts';

const context: PasswordContext = { username: 'nurse.alvarez' };
const SINGLE_FACTOR: PasswordRules = { ...NIST_DEFAULT_RULES, minLength: 15 };

function problemsOf(
  password: string,
  rules: PasswordRules = NIST_DEFAULT_RULES,
  ctx = context,
): PasswordProblem[] {
  const verdict = checkPassword(password, rules, ctx);
  return verdict.ok ? [] : verdict.reasons;
}

function problem(password: string, code: PasswordProblemCode, rules?: PasswordRules, ctx?: PasswordContext) {
  const problems = problemsOf(password, rules, ctx);
  const found = problems.find((p) => p.code === code);
  assert.ok(found, `expected ${code} for ${JSON.stringify(password)}, got ${JSON.stringify(problems)}`);
  return found;
}

function assertAccepted(password: string, rules: PasswordRules = NIST_DEFAULT_RULES, ctx = context): void {
  assert.deepEqual(checkPassword(password, rules, ctx), { ok: true });
}

void describe('rules', () => {
  void test('NIST defaults: at least 8, at most 128, no composition rules', () => {
    assert.deepEqual({ ...NIST_DEFAULT_RULES }, { minLength: 8, maxLength: 128, composition: false });
  });

  void test('minimum length is 8 with a second factor and 15 without, unless the level asks for more', () => {
    assert.equal(minimumLengthFor({ levelMinLength: 8, hasSecondFactor: true }), 8);
    assert.equal(minimumLengthFor({ levelMinLength: 8, hasSecondFactor: false }), 15);
    assert.equal(minimumLengthFor({ levelMinLength: 6, hasSecondFactor: true }), 8);
    assert.equal(minimumLengthFor({ levelMinLength: 12, hasSecondFactor: true }), 12);
    assert.equal(minimumLengthFor({ levelMinLength: 20, hasSecondFactor: false }), 20);
  });

  void test('refuses rules that would cap passwords below 64 characters or contradict themselves', () => {
    assert.throws(
      () => checkPassword('violet tractor swims', { ...NIST_DEFAULT_RULES, maxLength: 32 }, context),
      RangeError,
    );
    assert.throws(
      () =>
        checkPassword('violet tractor swims', { minLength: 100, maxLength: 80, composition: false }, context),
      RangeError,
    );
    assert.throws(
      () => checkPassword('violet tractor swims', { ...NIST_DEFAULT_RULES, minLength: 0 }, context),
      RangeError,
    );
  });
});

void describe('length', () => {
  void test('too short: says how many characters are required and how many there are', () => {
    const found = problem('lilac7', 'too_short');
    assert.equal(found.min, 8);
    assert.equal(found.message, 'At least 8 characters are required; this password has 6.');

    const withoutSecondFactor = problem('violet tractor', 'too_short', SINGLE_FACTOR);
    assert.equal(withoutSecondFactor.min, 15);
    assert.match(withoutSecondFactor.message, /At least 15 characters/);
    assertAccepted('violet tractors', SINGLE_FACTOR);
  });

  void test('counts characters as code points after NFKC, not UTF-16 units', () => {
    // Seven emoji are 14 UTF-16 units but 7 characters.
    assert.equal(
      problem('🦊🌵🚲🎻🧀🪁🐙', 'too_short').message,
      'At least 8 characters are required; this password has 7.',
    );
    // Decomposed accents compose: "re\u0301sume\u0301" is the 6 characters of "résumé".
    assert.match(problem('re\u0301sume\u0301', 'too_short').message, /has 6\.$/);
    // A compatibility ligature expands: "ﬃ" is "ffi", 3 characters.
    assert.equal('ﬃ tea 4'.length, 7);
    assertAccepted('ﬃ tea 4');
  });

  void test('too long: says the maximum; exactly the maximum is accepted', () => {
    const words = 'violet tractor swims past the quiet harbour while gulls argue over chips ';
    const atMost = words.repeat(2).slice(0, 128);
    assertAccepted(atMost);

    const found = problem(`${atMost}x`, 'too_long');
    assert.equal(found.max, 128);
    assert.equal(found.message, 'At most 128 characters are allowed; this password has 129.');
  });

  void test('accepts long passphrases, including past 64 characters', () => {
    assertAccepted('violet tractor swims past the quiet harbour');
    const passphrase = 'violet tractor swims past the quiet harbour while gulls argue over chips';
    assert.ok(passphrase.length > 64);
    assertAccepted(passphrase, SINGLE_FACTOR);
  });
});

void describe('blocklist', () => {
  void test('the bundled list holds at least 100,000 passwords, stored in lookup form', () => {
    const blocklist = loadBundledBlocklist();
    assert.ok(blocklist.size >= 100_000, `only ${blocklist.size} passwords`);
    for (const entry of blocklist) {
      assert.equal(entry, entry.normalize('NFKC').toLowerCase(), `entry not in lookup form: ${entry}`);
    }
  });

  void test('rejects well-known passwords, whatever their case', () => {
    for (const password of ['password', 'iloveyou', 'PassWord', 'ILoveYou', 'qwertyuiopasdfgh']) {
      assert.match(problem(password, 'common').message, /most common or breached passwords/);
    }
    problem('123456789012345', 'common', SINGLE_FACTOR);
  });

  void test('rejects a listed password with digits or symbols added at the end', () => {
    const blocklist = loadBundledBlocklist();
    for (const password of ['password123!', 'Sunshine2024!', 'dragon1987!!']) {
      assert.equal(blocklist.has(password.toLowerCase()), false, `${password} is itself listed`);
      assert.match(problem(password, 'common').message, /digits or symbols added at the end/);
    }
  });

  void test('does not reject a password merely for containing a listed word', () => {
    const blocklist = loadBundledBlocklist();
    assert.ok(blocklist.has('violet') && blocklist.has('tractor'));
    assertAccepted('violet tractor swims');
  });

  void test('uses the blocklist it is given', () => {
    const custom = parseBlocklist('Quiet Harbour Gulls\n');
    const verdict = checkPassword('quiet harbour gulls', NIST_DEFAULT_RULES, context, custom);
    assert.deepEqual(verdict.ok ? [] : verdict.reasons.map((p) => p.code), ['common']);
    assertAccepted('quiet harbour gulls');
  });
});

void describe('context words', () => {
  void test('rejects a password containing the username, naming the word', () => {
    const found = problem('Nurse.Alvarez-rocks-2024', 'contains_context');
    assert.equal(found.word, 'nurse.alvarez');
    assert.equal(
      found.message,
      'The password must not contain "nurse.alvarez" (your username), which an attacker would try first.',
    );
    // One problem for the longest match, not one more for each part of it.
    assert.equal(
      problemsOf('Nurse.Alvarez-rocks-2024').filter((p) => p.code === 'contains_context').length,
      1,
    );
  });

  void test('rejects a part of the username, display name or email local part of 4 or more characters', () => {
    const account: PasswordContext = {
      username: 'mgomez',
      displayName: 'María Fernanda Gómez',
      email: 'mf.gomez.work@clinic.example',
    };
    assert.equal(
      problem('orange-mgomez-tree', 'contains_context', NIST_DEFAULT_RULES, account).word,
      'mgomez',
    );
    const name = problem('fernanda sails boats', 'contains_context', NIST_DEFAULT_RULES, account);
    assert.equal(name.word, 'fernanda');
    assert.match(name.message, /\(your name\)/);
    assert.equal(problem('MARÍA plays cello', 'contains_context', NIST_DEFAULT_RULES, account).word, 'maría');
    const email = problem('late shift work logs', 'contains_context', NIST_DEFAULT_RULES, account);
    assert.equal(email.word, 'work');
    assert.match(email.message, /\(your email address\)/);
    // "mf" is shorter than 4 characters: too ordinary to forbid.
    assertAccepted('mf violet tractor', NIST_DEFAULT_RULES, account);
  });

  void test('rejects the institution name, with or without its spaces, but not its ordinary words alone', () => {
    const account: PasswordContext = { ...context, institutionName: 'Hospital San Roque' };
    assert.equal(
      problem('hospitalsanroque rules', 'contains_context', NIST_DEFAULT_RULES, account).word,
      'hospitalsanroque',
    );
    const spaced = problem('I work at Hospital San Roque', 'contains_context', NIST_DEFAULT_RULES, account);
    assert.equal(spaced.word, 'hospital san roque');
    assert.match(spaced.message, /your institution's name/);
    assertAccepted('hospital corridor violet tractor', NIST_DEFAULT_RULES, account);
  });

  void test('rejects the name of this system', () => {
    const found = problem('my ward login 2024', 'contains_context');
    assert.equal(found.word, 'ward');
  });
});

void describe('repeated or sequential', () => {
  void test('rejects one character repeated', () => {
    const found = problem('zzzzzzzzzzzzzzzzzz', 'repeated_or_sequential', SINGLE_FACTOR);
    assert.match(found.message, /repeated/);
  });

  void test('rejects a short pattern repeated', () => {
    assert.match(problem('xyxyxyxyxyxy', 'repeated_or_sequential').message, /repeated/);
    assert.match(problem('k9!k9!k9!k9!', 'repeated_or_sequential').message, /repeated/);
  });

  void test('rejects an ascending or descending sequence as a whole, digits wrapping round', () => {
    for (const password of ['12345678', 'abcdefghijklmnop', 'ZYXWVUTSRQ', '9876543210987', '8901234567890']) {
      assert.match(problem(password, 'repeated_or_sequential').message, /simple sequence/, password);
    }
  });

  void test('accepts a sequence or repetition that is only part of the password', () => {
    assertAccepted('abcdefgh violet tractor');
    assertAccepted('tractor zzzz violet');
  });
});

void describe('composition', () => {
  void test('is not required by default', () => {
    assertAccepted('violet tractor swims');
  });

  void test('when required, says which kinds of character are missing', () => {
    const rules: PasswordRules = { ...NIST_DEFAULT_RULES, composition: true };
    const found = problem('violet tractor swims', 'composition', rules);
    assert.equal(
      found.message,
      'This institution requires a lowercase letter, an uppercase letter, a digit and a symbol; ' +
        'add an uppercase letter and a digit.',
    );
    assert.match(problem('Violet tractor swims', 'composition', rules).message, /; add a digit\.$/);
    assertAccepted('Violet tractor swims 9', rules);
  });
});

void test('reports every problem at once', () => {
  const codes = problemsOf('iloveyou', SINGLE_FACTOR).map((p) => p.code);
  assert.deepEqual(codes, ['too_short', 'common']);
});

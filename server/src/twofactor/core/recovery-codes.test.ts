import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_BITS,
  generateRecoveryCodes,
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes.ts';

const pepper = randomBytes(32);

void describe('generating recovery codes', () => {
  void test('ten distinct codes in the form XXXXX-XXXXX', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  });

  void test('no look-alike characters, and every other symbol is used', () => {
    const seen = new Set(
      generateRecoveryCodes()
        .concat(...Array.from({ length: 99 }, generateRecoveryCodes))
        .join(''),
    );
    seen.delete('-');
    for (const ambiguous of '0O1IL') assert.ok(!seen.has(ambiguous), ambiguous);
    assert.deepEqual([...seen].sort().join(''), RECOVERY_CODE_ALPHABET);
  });

  void test('each code carries about 49.5 bits', () => {
    assert.equal(RECOVERY_CODE_ALPHABET.length, 31);
    assert.ok(RECOVERY_CODE_BITS > 49.5 && RECOVERY_CODE_BITS < 49.6, String(RECOVERY_CODE_BITS));
  });

  void test('two batches share no code', () => {
    const first = new Set(generateRecoveryCodes());
    assert.ok(generateRecoveryCodes().every((code) => !first.has(code)));
  });
});

void describe('reading a recovery code a person typed', () => {
  void test('case, spaces and dashes do not matter', () => {
    for (const typed of [
      'abcde-fghjk',
      'ABCDE FGHJK',
      ' abCde–fGhjk ',
      'ABCDEFGHJK',
      'a b c d e - f g h j k',
    ]) {
      assert.equal(normaliseRecoveryCode(typed), 'ABCDEFGHJK', typed);
    }
  });

  void test('only codes that could have been issued are well formed', () => {
    assert.equal(isWellFormedRecoveryCode('ABCDEFGHJK'), true);
    for (const bad of ['', 'ABCDEFGHJ', 'ABCDEFGHJKM', 'ABCDEFGHJ0', 'ABCDEFGHJI', 'ABCDEFGHJ!']) {
      assert.equal(isWellFormedRecoveryCode(bad), false, bad);
    }
  });
});

void describe('hashing recovery codes', () => {
  void test('the same code and pepper always give the same hash, however the code was typed', () => {
    const [code] = generateRecoveryCodes();
    assert.equal(
      hashRecoveryCode(code!, pepper),
      hashRecoveryCode(code!.toLowerCase().replace('-', ' '), pepper),
    );
  });

  void test('another pepper or another code gives another hash', () => {
    const [code, other] = generateRecoveryCodes();
    assert.notEqual(hashRecoveryCode(code!, pepper), hashRecoveryCode(code!, randomBytes(32)));
    assert.notEqual(hashRecoveryCode(code!, pepper), hashRecoveryCode(other!, pepper));
  });

  void test('the hash does not contain the code', () => {
    const [code] = generateRecoveryCodes();
    const hash = hashRecoveryCode(code!, pepper);
    assert.match(hash, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!hash.toUpperCase().includes(normaliseRecoveryCode(code!)));
  });

  void test('a short pepper is refused', () => {
    assert.throws(() => hashRecoveryCode('ABCDE-FGHJK', randomBytes(16)), RangeError);
  });

  void test('finding a typed code among the stored hashes', () => {
    const codes = generateRecoveryCodes();
    const stored = codes.map((code) => hashRecoveryCode(code, pepper));
    assert.equal(matchRecoveryCode(codes[7]!.toLowerCase(), stored, pepper), 7);
    const unused = generateRecoveryCodes().find((code) => !codes.includes(code))!;
    assert.equal(matchRecoveryCode(unused, stored, pepper), null);
    assert.equal(matchRecoveryCode('', stored, pepper), null);
    assert.equal(matchRecoveryCode(codes[7]!, stored, randomBytes(32)), null);
  });
});

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SecretKeyUnavailableError,
  SecretTamperedError,
  decryptSecret,
  deriveSecretKey,
  encryptSecret,
  generateKeySalt,
  keyCheckValue,
  keyIdOf,
  keyMatches,
  type SecretKey,
} from './secret-box.ts';
import { generateTotpSecret, secretToBase32 } from './totp.ts';

const salt = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
let current: SecretKey;
let previous: SecretKey;

before(async () => {
  [current, previous] = await Promise.all([
    deriveSecretKey('correct horse battery staple', salt),
    deriveSecretKey('the passphrase before rotation', salt),
  ]);
});

// Flips one bit of the decoded part at `partIndex` and re-encodes it canonically.
function flipBit(stored: string, partIndex: number, byteIndex: number): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[partIndex]!, 'base64url');
  bytes[byteIndex]! ^= 0x01;
  parts[partIndex] = bytes.toString('base64url');
  return parts.join('.');
}

void describe('key derivation', () => {
  void test('the same passphrase and salt give the same key on every node', async () => {
    const again = await deriveSecretKey('correct horse battery staple', Uint8Array.from(salt));
    assert.equal(again.id, current.id);
    assert.deepEqual(again.key, current.key);
    assert.equal(current.key.length, 32);
  });

  void test('another salt or passphrase gives another key', async () => {
    const otherSalt = await deriveSecretKey('correct horse battery staple', generateKeySalt());
    assert.notDeepEqual(otherSalt.key, current.key);
    assert.notEqual(otherSalt.id, current.id);
    assert.notDeepEqual(previous.key, current.key);
    assert.notEqual(previous.id, current.id);
  });

  void test('the key id is short and reveals no key bytes', () => {
    assert.match(current.id, /^[0-9a-f]{16}$/);
    assert.ok(!current.key.toString('hex').includes(current.id));
  });

  void test('refuses an empty passphrase or a short salt', async () => {
    await assert.rejects(deriveSecretKey('', salt), RangeError);
    await assert.rejects(deriveSecretKey('correct horse battery staple', new Uint8Array(8)), RangeError);
  });

  void test('salts are random', () => {
    assert.notDeepEqual(generateKeySalt(), generateKeySalt());
    assert.equal(generateKeySalt().length, 16);
  });
});

void describe('key check value', () => {
  void test('a node with the same key passes, a node with another key is refused', () => {
    const stored = keyCheckValue(current);
    assert.equal(keyMatches(current, stored), true);
    assert.equal(keyMatches(previous, stored), false);
  });

  void test('the check value reveals neither the key nor its id', () => {
    const stored = keyCheckValue(current);
    assert.ok(!stored.includes(current.key.toString('base64url')));
    assert.notEqual(stored, current.id);
  });

  void test('garbage and truncated values do not match', () => {
    const stored = keyCheckValue(current);
    for (const bad of ['', stored.slice(1), stored + 'A', 'x'.repeat(stored.length)]) {
      assert.equal(keyMatches(current, bad), false, JSON.stringify(bad));
    }
  });
});

void describe('encrypting TOTP secrets', () => {
  const owner = '0190f3a6-2f6e-7cc1-9a1e-3c2b8d4f5a61';
  const otherOwner = '0190f3a6-2f6e-7cc1-9a1e-3c2b8d4f5a62';

  void test('round trip', () => {
    const secret = generateTotpSecret();
    const stored = encryptSecret(current, secret, owner);
    assert.deepEqual(decryptSecret([current], stored, owner), secret);
  });

  void test('the stored value is self-describing and names its key', () => {
    const stored = encryptSecret(current, generateTotpSecret(), owner);
    assert.match(stored, /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.equal(keyIdOf(stored), current.id);
  });

  void test('two encryptions of the same secret differ (fresh nonce)', () => {
    const secret = generateTotpSecret();
    const a = encryptSecret(current, secret, owner);
    const b = encryptSecret(current, secret, owner);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
  });

  void test('the stored value does not contain the secret', () => {
    const secret = generateTotpSecret();
    const stored = encryptSecret(current, secret, owner);
    const buffer = Buffer.from(secret);
    for (const form of [secretToBase32(secret), buffer.toString('hex'), buffer.toString('base64url')]) {
      assert.ok(!stored.toUpperCase().includes(form.toUpperCase()), form);
    }
  });

  void test("a value copied to another user's row does not decrypt", () => {
    const stored = encryptSecret(current, generateTotpSecret(), owner);
    assert.throws(() => decryptSecret([current], stored, otherOwner), SecretTamperedError);
  });

  void test('any altered bit is detected', () => {
    const stored = encryptSecret(current, generateTotpSecret(), owner);
    const sealedLength = Buffer.from(stored.split('.')[3]!, 'base64url').length;
    const altered = [
      flipBit(stored, 2, 0), // nonce
      flipBit(stored, 3, 0), // ciphertext
      flipBit(stored, 3, sealedLength - 1), // tag
      stored.slice(0, -4), // truncated
    ];
    for (const value of altered) {
      assert.throws(() => decryptSecret([current], value, owner), SecretTamperedError, value);
    }
  });

  void test('relabelling a value with another available key id is detected', () => {
    const stored = encryptSecret(previous, generateTotpSecret(), owner);
    const relabelled = stored.replace(previous.id, current.id);
    assert.throws(() => decryptSecret([current, previous], relabelled, owner), SecretTamperedError);
  });

  void test('malformed values are refused', () => {
    const stored = encryptSecret(current, generateTotpSecret(), owner);
    const [, keyId, nonce, sealed] = stored.split('.');
    const malformed = [
      '',
      'JBSWY3DPEHPK3PXP',
      `v2.${keyId!}.${nonce!}.${sealed!}`,
      `v1.${keyId!}.${nonce!}`,
      `v1.${keyId!}.${nonce!}.${sealed!}.x`,
      `v1.${keyId!}.${nonce!}!.${sealed!}`,
      `v1.${keyId!}.${nonce!.slice(2)}.${sealed!}`,
      `v1.${keyId!.toUpperCase()}x.${nonce!}.${sealed!}`,
    ];
    for (const value of malformed) {
      assert.throws(() => decryptSecret([current], value, owner), SecretTamperedError, value);
    }
  });

  void test('a value under a key this node lacks names the missing key', () => {
    const stored = encryptSecret(previous, generateTotpSecret(), owner);
    assert.throws(
      () => decryptSecret([current], stored, owner),
      (error: unknown) => error instanceof SecretKeyUnavailableError && error.keyId === previous.id,
    );
  });

  void test('rotation: values made with the previous key still decrypt while it is configured', () => {
    const secret = generateTotpSecret();
    const stored = encryptSecret(previous, secret, owner);
    assert.equal(keyIdOf(stored), previous.id);
    assert.deepEqual(decryptSecret([current, previous], stored, owner), secret);
    const reencrypted = encryptSecret(current, decryptSecret([current, previous], stored, owner), owner);
    assert.equal(keyIdOf(reencrypted), current.id);
    assert.deepEqual(decryptSecret([current], reencrypted, owner), secret);
  });

  void test('an empty owner is refused, so no value is left unbound', () => {
    assert.throws(() => encryptSecret(current, generateTotpSecret(), ''), RangeError);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { WardConfig } from '../config/types.ts';
import { configFrom, tempDir } from '../../test/harness.ts';
import type { CheckResult } from './check.ts';
import { CERTIFICATE_RENEWAL_DAYS, judgeCertificate, judgeHttps } from './https.ts';
import { judgeListeningPort, judgeServicePorts } from './ports.ts';
import { judgeRecaptcha } from './recaptcha.ts';
import { judgeTokenSecret, judgeTwoFactorKey } from './secrets.ts';
import { makeCertificates, type TestCertificates } from './test-certificates.ts';
import { judgeTwoFactor } from './two-factor.ts';

const STRONG_TOKEN_SECRET = 'Kq3v9ZxT2mLw8RbN5cYh1JdF7sGp4UaE6tHo0WiX';
const STRONG_2FA_KEY = 'n4Rz8QwE2tYu6IoP0aSd3FgH7jKl1ZxC5vBm9NqW';

const dir = tempDir('ward-doctor-checks-');
let certificates: TestCertificates;

before(() => {
  certificates = makeCertificates(dir.path);
});
after(() => {
  dir.remove();
});

function config(properties: Record<string, string> = {}): WardConfig {
  return configFrom(dir.path, properties);
}

function production(properties: Record<string, string> = {}): WardConfig {
  return config({ 'app.mode': 'production', ...properties });
}

function assertNoSecret(result: CheckResult, secret: string): void {
  assert.ok(!result.detail.includes(secret), `detail shows the secret: ${result.detail}`);
  assert.ok(!(result.fix ?? '').includes(secret), `fix shows the secret: ${result.fix ?? ''}`);
}

describe('HTTPS', () => {
  const now = new Date();

  test('production without a certificate fails', () => {
    const result = judgeHttps(production(), now);
    assert.equal(result.status, 'FAIL');
    assert.match(result.fix ?? '', /server\.ssl\.certificate/);
  });

  test('development over plain HTTP is a warning', () => {
    const result = judgeHttps(config(), now);
    assert.equal(result.status, 'WARN');
    assert.match(result.detail, /plain HTTP/);
  });

  test('a certificate from an authority passes and says until when it is valid', () => {
    const { certificate, key } = certificates.issued;
    const result = judgeHttps(
      production({ 'server.ssl.certificate': certificate, 'server.ssl.key': key }),
      now,
    );
    assert.equal(result.status, 'PASS', result.detail);
    assert.match(result.detail, /ward\.example, valid until \d{4}-\d{2}-\d{2}/);
  });

  test('a self-signed certificate is a warning: browsers show no padlock', () => {
    const { certificate, key } = certificates.selfSigned;
    const result = judgeHttps(
      production({ 'server.ssl.certificate': certificate, 'server.ssl.key': key }),
      now,
    );
    assert.equal(result.status, 'WARN');
    assert.match(result.detail, /self-signed/);
  });

  test('a key that does not match the certificate fails', () => {
    const result = judgeHttps(
      production({
        'server.ssl.certificate': certificates.issued.certificate,
        'server.ssl.key': certificates.selfSigned.key,
      }),
      now,
    );
    assert.equal(result.status, 'FAIL');
    assert.match(result.detail, /usable pair/);
  });

  test('a missing certificate file fails and names the key', () => {
    const result = judgeHttps(
      production({ 'server.ssl.certificate': 'missing.pem', 'server.ssl.key': certificates.issued.key }),
      now,
    );
    assert.equal(result.status, 'FAIL');
    assert.match(result.detail, /server\.ssl\.certificate/);
  });

  test('expiry: soon is a warning, past is a failure, not yet valid is a failure', () => {
    const pem = readFileSync(certificates.issued.certificate);
    const day = 86_400_000;
    const validTo = Date.now() + 90 * day;
    const soon = judgeCertificate(pem, new Date(validTo - (CERTIFICATE_RENEWAL_DAYS - 4) * day));
    assert.equal(soon.status, 'WARN');
    assert.match(soon.detail, /expires in 9 days/);
    const expired = judgeCertificate(pem, new Date(validTo + day));
    assert.equal(expired.status, 'FAIL');
    assert.match(expired.detail, /expired on/);
    const early = judgeCertificate(pem, new Date(Date.now() - day));
    assert.equal(early.status, 'FAIL');
    assert.match(early.detail, /valid only from/);
  });

  test('a file that is not a certificate fails', () => {
    const result = judgeCertificate(Buffer.from('not a certificate'), now);
    assert.equal(result.status, 'FAIL');
  });
});

describe('ports', () => {
  test('development serves one loopback port', () => {
    const result = judgeListeningPort(config({ 'server.port': '8080' }));
    assert.equal(result.status, 'PASS');
    assert.match(result.detail, /127\.0\.0\.1:8080/);
  });

  test('production on 443 passes; on another public port it says only 443 must be open', () => {
    assert.equal(judgeListeningPort(production({ 'server.port': '443' })).status, 'PASS');
    const other = judgeListeningPort(production());
    assert.equal(other.status, 'WARN');
    assert.match(other.detail, /8443/);
    assert.match(other.fix ?? '', /only 443/);
  });

  test('production on loopback behind a reverse proxy passes', () => {
    const result = judgeListeningPort(production({ 'server.host': '127.0.0.1', 'server.port': '8443' }));
    assert.equal(result.status, 'PASS');
  });

  test('the embedded database has no TCP port', () => {
    const result = judgeServicePorts(config());
    assert.equal(result.status, 'PASS');
    assert.match(result.detail, /Unix socket, no TCP port/);
  });

  test('a database on another host is a warning that shows no credentials', () => {
    const result = judgeServicePorts(
      production({ 'database.url': 'postgres://ward:hunter2hunter2@db.example/ward' }),
    );
    assert.equal(result.status, 'WARN');
    assert.match(result.detail, /db\.example:5432/);
    assert.match(result.fix ?? '', /port 5432 only from Ward's nodes/);
    assertNoSecret(result, 'hunter2hunter2');
  });

  test('loopback and Unix-socket databases pass; a remote Redis is a warning', () => {
    assert.equal(
      judgeServicePorts(production({ 'database.url': 'postgres://ward@localhost:6543/ward' })).status,
      'PASS',
    );
    assert.equal(
      judgeServicePorts(production({ 'database.url': 'postgres:///ward?host=/var/run/postgresql' })).status,
      'PASS',
    );
    assert.equal(
      judgeServicePorts(production({ 'database.url': 'postgres://ward@%2Fvar%2Frun%2Fpostgresql/ward' }))
        .status,
      'PASS',
    );
    const redis = judgeServicePorts(
      production({ 'database.url': 'postgres://ward@127.0.0.1/ward', 'redis.url': 'redis://cache.example' }),
    );
    assert.equal(redis.status, 'WARN');
    assert.match(redis.detail, /cache\.example:6379/);
  });
});

describe('reCAPTCHA', () => {
  const keys = { 'google.recaptcha.site.key': 'site-key', 'google.recaptcha.secret.key': 'secret-key-value' };

  test('off is a failure in production and a warning in development', () => {
    assert.equal(judgeRecaptcha(production()).status, 'FAIL');
    assert.equal(judgeRecaptcha(config()).status, 'WARN');
  });

  test('on with both keys passes without showing the secret key', () => {
    const result = judgeRecaptcha(production({ 'google.recaptcha.enable': 'true', ...keys }));
    assert.equal(result.status, 'PASS');
    assertNoSecret(result, 'secret-key-value');
  });

  test('a verifier other than Google in production is a warning', () => {
    const result = judgeRecaptcha(
      production({
        'google.recaptcha.enable': 'true',
        'google.recaptcha.validator.url': 'http://127.0.0.1:9999/verify',
        ...keys,
      }),
    );
    assert.equal(result.status, 'WARN');
    assert.match(result.detail, /127\.0\.0\.1:9999/);
  });
});

describe('two-factor', () => {
  test('off is a failure in production and a warning in development; on passes', () => {
    assert.equal(judgeTwoFactor(production()).status, 'FAIL');
    assert.equal(judgeTwoFactor(config()).status, 'WARN');
    assert.equal(judgeTwoFactor(production({ 'app.feature.HABILITAR_2FA': 'true' })).status, 'PASS');
  });

  test('the English alias enables it too', () => {
    assert.equal(judgeTwoFactor(production({ 'app.feature.ENABLE_2FA': 'true' })).status, 'PASS');
  });
});

describe('secrets', () => {
  test('development without secrets warns that they are generated', () => {
    for (const judge of [judgeTokenSecret, judgeTwoFactorKey]) {
      const result = judge(config());
      assert.equal(result.status, 'WARN');
      assert.match(result.detail, /generated for development/);
    }
  });

  test("the guide's defaults fail, and the output never shows them", () => {
    const token = judgeTokenSecret(production({ 'token.secret': 'changeme' }));
    assert.equal(token.status, 'FAIL');
    assert.match(token.detail, /well-known default/);
    assertNoSecret(token, 'changeme');
    const key = judgeTwoFactorKey(production({ 'auth.2fa.password': 'encriptar' }));
    assert.equal(key.status, 'FAIL');
    assertNoSecret(key, 'encriptar');
  });

  test('a weak secret fails even in development', () => {
    const result = judgeTokenSecret(config({ 'token.secret': 'Tr0ub4dor&3' }));
    assert.equal(result.status, 'FAIL');
    assert.match(result.detail, /shorter than 32 bytes/);
    assertNoSecret(result, 'Tr0ub4dor&3');
  });

  test('missing in production fails', () => {
    assert.equal(judgeTokenSecret(production()).status, 'FAIL');
    assert.equal(judgeTwoFactorKey(production()).status, 'FAIL');
  });

  test('strong secrets pass and say where they were set', () => {
    const strong = production({ 'token.secret': STRONG_TOKEN_SECRET, 'auth.2fa.password': STRONG_2FA_KEY });
    const token = judgeTokenSecret(strong);
    assert.equal(token.status, 'PASS');
    assert.match(token.detail, /ward\.properties line \d+/);
    assertNoSecret(token, STRONG_TOKEN_SECRET);
    assert.equal(judgeTwoFactorKey(strong).status, 'PASS');
  });

  test('one value for both keys fails', () => {
    const result = judgeTwoFactorKey(
      production({ 'token.secret': STRONG_TOKEN_SECRET, 'auth.2fa.password': STRONG_TOKEN_SECRET }),
    );
    assert.equal(result.status, 'FAIL');
    assert.match(result.detail, /same value as token\.secret/);
  });

  test('a weak previous token secret fails: tokens signed with it are still accepted', () => {
    const result = judgeTokenSecret(
      production({ 'token.secret': STRONG_TOKEN_SECRET, 'token.secret.previous': 'secret' }),
    );
    assert.equal(result.status, 'FAIL');
    assert.match(result.detail, /token\.secret\.previous/);
  });
});

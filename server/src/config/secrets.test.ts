import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from './load.ts';
import {
  MINIMUM_SECRET_BYTES,
  productionProblems,
  secretWeakness,
  withDevelopmentSecrets,
  type GeneratedSecrets,
} from './secrets.ts';
import type { WardConfig } from './types.ts';

const root = mkdtempSync(path.join(tmpdir(), 'ward-secrets-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A configuration loaded from these properties, as `ward --config FILE` would, in a fresh folder. */
function configFrom(properties: Record<string, string>): WardConfig {
  const dir = mkdtempSync(path.join(root, 'case-'));
  const file = path.join(dir, 'ward.properties');
  writeFileSync(
    file,
    Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return loadConfig({ file, env: {}, cwd: dir });
}

const TOKEN_SECRET = 'Zq3vK9pLm2XwR7tY4nB8cD1fG6hJ0sAe';
const TWO_FACTOR_KEY = 'Mx4Nc7Vb0Zl3Kj6Hg9Fd2Sa5Qw8Er1Ty';

const SOUND_PRODUCTION: Readonly<Record<string, string>> = {
  'app.mode': 'production',
  'server.ssl.certificate': 'fullchain.pem',
  'server.ssl.key': 'privkey.pem',
  'token.secret': TOKEN_SECRET,
  'auth.2fa.password': TWO_FACTOR_KEY,
};

function production(overrides: Record<string, string | undefined>): WardConfig {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...SOUND_PRODUCTION, ...overrides }))
    if (v !== undefined) properties[k] = v;
  return configFrom(properties);
}

void describe('secretWeakness', () => {
  void test('an absent or empty secret is missing', () => {
    assert.equal(secretWeakness(undefined), 'missing');
    assert.equal(secretWeakness(''), 'missing');
  });

  void test('the seed’s example and other published defaults are well-known, in any case', () => {
    for (const value of [
      'encriptar',
      'ENCRIPTAR',
      'Encriptar',
      'changeme',
      'secret',
      'your-256-bit-secret',
    ]) {
      assert.equal(secretWeakness(value), 'well-known', value);
    }
    // Long enough, random-looking to a counter of characters, and still published.
    for (const value of ['change-this-to-a-long-random-secret', '0123456789abcdef0123456789abcdef']) {
      assert.ok(Buffer.byteLength(value) >= MINIMUM_SECRET_BYTES);
      assert.equal(secretWeakness(value), 'well-known', value);
    }
  });

  void test('fewer than 32 bytes is short; 32 bytes is enough', () => {
    assert.equal(MINIMUM_SECRET_BYTES, 32);
    assert.equal(secretWeakness(TOKEN_SECRET.slice(0, 31)), 'short');
    assert.equal(secretWeakness('a-fine-but-short-passphrase'), 'short');
    assert.equal(secretWeakness(TOKEN_SECRET), undefined);
  });

  void test('length is counted in bytes, not characters', () => {
    const greek = 'αβγδεζηθικλμνξοπ'; // 16 characters, 2 bytes each
    assert.equal(secretWeakness(greek), undefined);
    assert.equal(secretWeakness(greek.slice(0, 15)), 'short');
  });

  void test('a long value of few distinct characters is not random', () => {
    assert.equal(secretWeakness('a'.repeat(64)), 'low-variety');
    assert.equal(secretWeakness('abab'.repeat(16)), 'low-variety');
    assert.equal(secretWeakness('123456789'.repeat(4)), 'low-variety');
  });

  void test('generated values pass', () => {
    assert.equal(secretWeakness('q9lPz0cX2V4kmsB7Yw1T8rJ5nH3eD6gA/+Ko='), undefined);
  });
});

void describe('productionProblems', () => {
  void test('a sound production configuration has none', () => {
    assert.deepEqual(productionProblems(production({})), []);
  });

  void test('development is never refused here, even with nothing set', () => {
    assert.deepEqual(productionProblems(configFrom({})), []);
    assert.deepEqual(productionProblems(configFrom({ 'token.secret': 'encriptar' })), []);
  });

  void test('without TLS: one problem naming the certificate and key settings', () => {
    const problems = productionProblems(
      production({ 'server.ssl.certificate': undefined, 'server.ssl.key': undefined }),
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]!, /server\.ssl\.certificate/);
    assert.match(problems[0]!, /server\.ssl\.key/);
    assert.match(problems[0]!, /HTTPS/);
  });

  for (const key of ['token.secret', 'auth.2fa.password'] as const) {
    void test(`${key} missing, short or well-known: one problem naming the key and the fix`, () => {
      const cases: [string | undefined, RegExp][] = [
        [undefined, /not set/],
        ['too-short-to-sign-anything', /shorter than 32 bytes/],
        ['encriptar', /well-known/],
        ['x'.repeat(40), /distinct characters/],
      ];
      for (const [value, reason] of cases) {
        const problems = productionProblems(production({ [key]: value }));
        assert.equal(problems.length, 1, `${String(value)}: ${JSON.stringify(problems)}`);
        const problem = problems[0]!;
        assert.ok(problem.startsWith(key), problem);
        assert.match(problem, reason);
        assert.match(problem, /openssl rand/);
        assert.match(problem, /every node/);
        if (value !== undefined) assert.ok(!problem.includes(value), 'the weak value is not repeated');
      }
    });
  }

  void test('every problem is reported together, each with its own message', () => {
    const problems = productionProblems(
      production({
        'server.ssl.certificate': undefined,
        'server.ssl.key': undefined,
        'token.secret': undefined,
        'auth.2fa.password': 'encriptar',
      }),
    );
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assert.ok(problems.some((p) => p.includes('server.ssl.certificate')));
    assert.ok(problems.some((p) => p.startsWith('token.secret is not set')));
    assert.ok(problems.some((p) => p.startsWith('auth.2fa.password is a well-known')));
  });

  void test('one secret for both keys is refused', () => {
    const problems = productionProblems(production({ 'auth.2fa.password': TOKEN_SECRET }));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]!, /token\.secret and auth\.2fa\.password are the same/);
  });

  void test('a weak previous signing key is refused: it would still verify forged tokens', () => {
    const problems = productionProblems(production({ 'token.secret.previous': 'encriptar' }));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.ok(problems[0]!.startsWith('token.secret.previous'), problems[0]);
    assert.deepEqual(
      productionProblems(production({ 'token.secret.previous': 'Qa7Ws2Ed4Rf6Tg8Yh0Uj1Ik3Ol5Pz9Xc' })),
      [],
    );
  });

  void test('an http:// public address is refused: links would carry one-time tokens in the clear', () => {
    const problems = productionProblems(production({ 'server.public.url': 'http://ward.hospital.example' }));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]!, /^server\.public\.url .*https:\/\//);
    assert.deepEqual(
      productionProblems(production({ 'server.public.url': 'https://ward.hospital.example' })),
      [],
    );
  });

  void test('a weak previous two-factor key is allowed, so a deployment can rotate away from it', () => {
    assert.deepEqual(productionProblems(production({ 'auth.2fa.password.previous': 'encriptar' })), []);
  });
});

void describe('withDevelopmentSecrets', () => {
  function developmentConfig(properties: Record<string, string> = {}): WardConfig {
    const dir = mkdtempSync(path.join(root, 'dev-'));
    return configFrom({ 'data.dir': path.join(dir, 'data'), ...properties });
  }

  function quietly(run: () => GeneratedSecrets): GeneratedSecrets {
    // The generated secrets must not reach a terminal or a log: nothing is written at all.
    const written: string[] = [];
    const stdout = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      return run();
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
      assert.deepEqual(written, [], 'nothing printed');
    }
  }

  void test('generates both secrets into data.dir, in a file only its owner can read', () => {
    const config = developmentConfig();
    const result = quietly(() => withDevelopmentSecrets(config));
    assert.equal(result.file, path.join(config.dataDir, 'development-secrets.properties'));
    assert.equal(statSync(result.file).mode & 0o777, 0o600);
    assert.equal(statSync(config.dataDir).mode & 0o077, 0, 'the data folder is private too');
    assert.deepEqual([...result.generated].sort(), ['auth.2fa.password', 'token.secret']);
    const { secret } = result.config.token;
    const { key } = result.config.twoFactor;
    assert.equal(secretWeakness(secret), undefined);
    assert.equal(secretWeakness(key), undefined);
    assert.notEqual(secret, key);
    const stored = readFileSync(result.file, 'utf8');
    assert.ok(stored.includes(`token.secret=${secret ?? ''}`));
    assert.ok(stored.includes(`auth.2fa.password=${key ?? ''}`));
    assert.equal(result.config.sources.get('token.secret'), 'generated (development)');
    // The configuration handed in is not changed.
    assert.equal(config.token.secret, undefined);
  });

  void test('the same secrets on the next start, so sessions and 2FA enrolments survive a restart', () => {
    const first = withDevelopmentSecrets(developmentConfig());
    const before = readFileSync(first.file, 'utf8');
    const second = withDevelopmentSecrets({
      ...first.config,
      token: { ...first.config.token, secret: undefined },
      twoFactor: { ...first.config.twoFactor, key: undefined },
    });
    assert.equal(second.config.token.secret, first.config.token.secret);
    assert.equal(second.config.twoFactor.key, first.config.twoFactor.key);
    assert.equal(readFileSync(second.file, 'utf8'), before);
  });

  void test('another data directory gets other secrets: no two developers share one', () => {
    const a = withDevelopmentSecrets(developmentConfig());
    const b = withDevelopmentSecrets(developmentConfig());
    assert.notEqual(a.config.token.secret, b.config.token.secret);
    assert.notEqual(a.config.twoFactor.key, b.config.twoFactor.key);
  });

  void test('a configured value is kept and never written to the file', () => {
    const config = developmentConfig({ 'token.secret': TOKEN_SECRET });
    const result = withDevelopmentSecrets(config);
    assert.equal(result.config.token.secret, TOKEN_SECRET);
    assert.deepEqual(result.generated, ['auth.2fa.password']);
    assert.ok(!readFileSync(result.file, 'utf8').includes(TOKEN_SECRET));
    assert.equal(result.config.sources.get('token.secret'), 'ward.properties line 2');
  });

  void test('a configured value wins over one generated earlier', () => {
    const config = developmentConfig();
    withDevelopmentSecrets(config);
    const configured = { ...config, twoFactor: { ...config.twoFactor, key: TWO_FACTOR_KEY } };
    const result = withDevelopmentSecrets(configured);
    assert.equal(result.config.twoFactor.key, TWO_FACTOR_KEY);
    assert.deepEqual(result.generated, ['token.secret']);
  });

  void test('with both secrets configured, nothing is generated and no file is written', () => {
    const config = developmentConfig({ 'token.secret': TOKEN_SECRET, 'auth.2fa.password': TWO_FACTOR_KEY });
    const result = withDevelopmentSecrets(config);
    assert.deepEqual(result.generated, []);
    assert.equal(result.config.token.secret, TOKEN_SECRET);
    assert.equal(result.config.twoFactor.key, TWO_FACTOR_KEY);
    assert.equal(existsSync(result.file), false);
  });

  void test('production: does nothing, so a missing secret stays missing and is refused', () => {
    const dir = mkdtempSync(path.join(root, 'prod-'));
    const config = production({ 'data.dir': path.join(dir, 'data'), 'token.secret': undefined });
    const result = withDevelopmentSecrets(config);
    assert.equal(result.config, config);
    assert.deepEqual(result.generated, []);
    assert.equal(result.config.token.secret, undefined);
    assert.equal(existsSync(path.join(dir, 'data')), false);
    assert.ok(productionProblems(result.config).some((p) => p.startsWith('token.secret is not set')));
  });

  void test('an emptied value in the file is replaced, not used as a key', () => {
    const config = developmentConfig();
    mkdirSync(config.dataDir, { recursive: true });
    const file = path.join(config.dataDir, 'development-secrets.properties');
    writeFileSync(file, 'token.secret=\nauth.2fa.password=short\n', { mode: 0o600 });
    const result = withDevelopmentSecrets(config);
    assert.equal(secretWeakness(result.config.token.secret), undefined);
    assert.equal(secretWeakness(result.config.twoFactor.key), undefined);
  });

  void test('a secrets file others could read is made private again', () => {
    const config = developmentConfig();
    const first = withDevelopmentSecrets(config);
    chmodSync(first.file, 0o644);
    const second = withDevelopmentSecrets(config);
    assert.equal(statSync(second.file).mode & 0o777, 0o600);
    assert.equal(second.config.token.secret, first.config.token.secret);
  });
});

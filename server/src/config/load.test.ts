import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEYS } from './keys.ts';
import { ConfigError, loadConfig } from './load.ts';
import type { WardConfig } from './types.ts';

const root = mkdtempSync(path.join(tmpdir(), 'ward-config-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

function freshDir(): string {
  return mkdtempSync(path.join(root, 'dir-'));
}

interface Loaded {
  readonly dir: string;
  readonly file: string;
  readonly load: (env?: Record<string, string>) => WardConfig;
}

/** Writes `content` (joined with \n when lines) as a properties file, loaded as `ward --config FILE` does. */
function propertiesFile(content: string | readonly string[], name = 'ward.properties'): Loaded {
  const dir = freshDir();
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : content.join('\n') + '\n');
  return { dir, file, load: (env = {}) => loadConfig({ file, env, cwd: dir }) };
}

function load(content: string | readonly string[], env: Record<string, string> = {}): WardConfig {
  return propertiesFile(content).load(env);
}

/** The problems a configuration is refused with; fails when it is accepted or fails otherwise. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.problems.length > 0);
    for (const p of error.problems) assert.ok(error.message.includes(p), 'the message lists every problem');
    return error.problems;
  }
  assert.fail('the configuration was accepted');
}

/** The one problem a configuration is refused with. */
function onlyProblem(run: () => unknown): string {
  const problems = problemsOf(run);
  assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
  return problems[0]!;
}

function assertMentions(text: string, ...parts: string[]): void {
  for (const part of parts)
    assert.ok(text.includes(part), `expected ${JSON.stringify(text)} to mention ${part}`);
}

const SECRET = 'Zq3vK9pLm2XwR7tY4nB8cD1fG6hJ0sAe';
const OTHER_SECRET = 'pR5tW8yB2nM4kL7jH1gF3dS6aQ9zX0cV';

void describe('defaults', () => {
  void test('with no file and no environment: development on loopback, everything optional unset', () => {
    const dir = freshDir();
    const config = loadConfig({ env: {}, cwd: dir });
    assert.equal(config.mode, 'development');
    assert.equal(config.file, undefined);
    assert.deepEqual(config.server, {
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      tls: undefined,
      trustedProxies: [],
    });
    assert.equal(config.adminPassword, undefined);
    assert.deepEqual(config.token, { secret: undefined, previousSecret: undefined });
    assert.deepEqual(config.twoFactor, { featureEnabled: false, key: undefined, previousKey: undefined });
    assert.deepEqual(config.recaptcha, {
      enabled: false,
      siteKey: undefined,
      secretKey: undefined,
      validatorUrl: 'https://www.google.com/recaptcha/api/siteverify',
    });
    assert.deepEqual(config.database, { url: undefined, runtimeUrl: undefined, runtimeRole: 'ward_app' });
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.dataDir, path.join(dir, 'data'));
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.captcha, { provider: 'none', when: 'after-failures' });
    assert.equal(config.sources.size, 0);
  });

  void test('production listens on every interface, port 8443, by default', () => {
    const config = load(['app.mode=production']);
    assert.equal(config.mode, 'production');
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.port, 8443);
  });

  void test('without --config, ward.properties in the working directory is read', () => {
    const { dir, file } = propertiesFile(['server.port=9090']);
    const config = loadConfig({ env: {}, cwd: dir });
    assert.equal(config.file, file);
    assert.equal(config.server.port, 9090);
  });

  void test('--config wins over ward.properties in the working directory', () => {
    const { dir } = propertiesFile(['server.port=9090']);
    writeFileSync(path.join(dir, 'node-2.properties'), 'server.port=9191\n');
    const config = loadConfig({ file: 'node-2.properties', env: {}, cwd: dir });
    assert.equal(config.file, path.join(dir, 'node-2.properties'));
    assert.equal(config.server.port, 9191);
  });

  void test('a --config file that does not exist is an error naming the path', () => {
    const dir = freshDir();
    const problem = onlyProblem(() => loadConfig({ file: 'missing.properties', env: {}, cwd: dir }));
    assertMentions(problem, path.join(dir, 'missing.properties'), 'no such file');
  });
});

void describe('every key', () => {
  // One value per key in the table: adding a key to keys.ts without testing it fails here.
  const SAMPLE: Readonly<Record<string, string>> = {
    'app.mode': 'production',
    'admin.password': 'a long admin passphrase, not a default',
    'token.secret': SECRET,
    'token.secret.previous': OTHER_SECRET,
    'auth.2fa.password': 'Mx4Nc7Vb0Zl3Kj6Hg9Fd2Sa5Qw8Er1Ty',
    'auth.2fa.password.previous': 'old two-factor key material 0123456789',
    'app.feature.HABILITAR_2FA': 'true',
    'google.recaptcha.enable': 'true',
    'google.recaptcha.site.key': '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
    'google.recaptcha.secret.key': '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe',
    'google.recaptcha.validator.url': 'http://127.0.0.1:9999/siteverify',
    'server.host': '10.0.0.5',
    'server.port': '443',
    'server.public.url': 'https://ward.hospital.example',
    'server.trust.proxy': '127.0.0.1, 10.0.0.0/8',
    'server.ssl.certificate': 'tls/fullchain.pem',
    'server.ssl.key': '/etc/letsencrypt/live/ward.example/privkey.pem',
    'database.url': 'postgres://ward_owner:pw@db.example:5432/ward',
    'database.runtime.url': 'postgres://ward_app:pw@db.example:5432/ward',
    'database.runtime.role': 'ward_runtime',
    'redis.url': 'redis://cache.example:6379/0',
    'data.dir': 'var/ward',
    'log.level': 'warn',
    'captcha.provider': 'altcha',
    'captcha.when': 'always',
  };

  void test('the sample below names every key of the table', () => {
    assert.deepEqual(Object.keys(SAMPLE).sort(), KEYS.map((k) => k.key).sort());
  });

  void test('each key is parsed into its typed setting', () => {
    const { dir, load: loadIt } = propertiesFile(Object.entries(SAMPLE).map(([k, v]) => `${k}=${v}`));
    const config = loadIt();
    assert.equal(config.mode, 'production');
    assert.equal(config.adminPassword, 'a long admin passphrase, not a default');
    assert.deepEqual(config.token, { secret: SECRET, previousSecret: OTHER_SECRET });
    assert.deepEqual(config.twoFactor, {
      featureEnabled: true,
      key: 'Mx4Nc7Vb0Zl3Kj6Hg9Fd2Sa5Qw8Er1Ty',
      previousKey: 'old two-factor key material 0123456789',
    });
    assert.deepEqual(config.recaptcha, {
      enabled: true,
      siteKey: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
      secretKey: '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe',
      validatorUrl: 'http://127.0.0.1:9999/siteverify',
    });
    assert.deepEqual(config.server, {
      host: '10.0.0.5',
      port: 443,
      trustedProxies: ['127.0.0.1', '10.0.0.0/8'],
      publicUrl: 'https://ward.hospital.example',
      // Relative paths are relative to the working directory; absolute ones are kept.
      tls: {
        certificate: path.join(dir, 'tls/fullchain.pem'),
        key: '/etc/letsencrypt/live/ward.example/privkey.pem',
      },
    });
    assert.deepEqual(config.database, {
      url: 'postgres://ward_owner:pw@db.example:5432/ward',
      runtimeUrl: 'postgres://ward_app:pw@db.example:5432/ward',
      runtimeRole: 'ward_runtime',
    });
    assert.equal(config.redisUrl, 'redis://cache.example:6379/0');
    assert.equal(config.dataDir, path.join(dir, 'var/ward'));
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(config.captcha, { provider: 'altcha', when: 'always' });
    const portLine = Object.keys(SAMPLE).indexOf('server.port') + 1;
    assert.equal(config.sources.get('server.port'), `ward.properties line ${portLine}`);
  });

  void test('the seed keys are honoured verbatim, exactly as the operator guide writes them', () => {
    const config = load([
      'admin.password=S0me-Long-Bootstrap-Passphrase',
      'google.recaptcha.enable=true',
      'google.recaptcha.secret.key=secret-from-console',
      'google.recaptcha.site.key=site-from-console',
      'google.recaptcha.validator.url=https://www.google.com/recaptcha/api/siteverify',
      'app.feature.HABILITAR_2FA=true',
      'auth.2fa.password=encriptar',
      'token.secret=encriptar-tambien',
    ]);
    assert.equal(config.adminPassword, 'S0me-Long-Bootstrap-Passphrase');
    assert.equal(config.recaptcha.enabled, true);
    assert.equal(config.recaptcha.secretKey, 'secret-from-console');
    assert.equal(config.recaptcha.siteKey, 'site-from-console');
    assert.equal(config.twoFactor.featureEnabled, true);
    assert.equal(config.twoFactor.key, 'encriptar');
    assert.equal(config.token.secret, 'encriptar-tambien');
  });

  void test('app.feature.ENABLE_2FA is another name for app.feature.HABILITAR_2FA', () => {
    assert.equal(load(['app.feature.ENABLE_2FA=true']).twoFactor.featureEnabled, true);
    assert.equal(load(['app.feature.ENABLE_2FA=false']).twoFactor.featureEnabled, false);
    assert.equal(load(['app.feature.HABILITAR_2FA=false']).twoFactor.featureEnabled, false);
  });

  void test('without server.public.url, links use the address Ward listens on', () => {
    assert.equal(load(['server.port=9000']).server.publicUrl, 'http://127.0.0.1:9000');
    assert.equal(load(['server.host=::1']).server.publicUrl, 'http://[::1]:8080');
    assert.equal(
      load(['app.mode=production', 'server.ssl.certificate=c.pem', 'server.ssl.key=k.pem']).server.publicUrl,
      'https://localhost:8443',
    );
  });

  void test('port 0 (any free port) and 65535 are ports', () => {
    assert.equal(load(['server.port=0']).server.port, 0);
    assert.equal(load(['server.port=65535']).server.port, 65535);
  });

  void test('each log level is accepted', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      assert.equal(load([`log.level=${level}`]).logLevel, level);
    }
  });
});

void describe('properties syntax', () => {
  void test('# and ! start comments, also indented; blank lines are ignored', () => {
    const config = load([
      '# Ward node 1',
      '! exclamation comments too',
      '   # indented comment',
      '\t! indented with a tab',
      '',
      '   ',
      '# token.secret=commented-out-must-not-count',
      'server.port=8181',
    ]);
    assert.equal(config.server.port, 8181);
    assert.equal(config.token.secret, undefined);
  });

  void test('= , : and whitespace separate key from value, with spaces around them', () => {
    const config = load([
      'server.port = 8282',
      'log.level:debug',
      'database.runtime.role   ward_role',
      '  admin.password   =   spaced passphrase here',
    ]);
    assert.equal(config.server.port, 8282);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.database.runtimeRole, 'ward_role');
    assert.equal(config.adminPassword, 'spaced passphrase here');
  });

  void test('a value runs to the end of the line: # inside it is not a comment, = and : are kept', () => {
    const config = load(['admin.password=abc#def!ghi=jkl:mno']);
    assert.equal(config.adminPassword, 'abc#def!ghi=jkl:mno');
  });

  void test('a trailing backslash continues the value on the next line, whose indentation is dropped', () => {
    const config = load([
      'token.secret=Zq3vK9pLm2\\',
      '    XwR7tY4nB8\\',
      '\tcD1fG6hJ0sAe',
      'server.port=8383',
    ]);
    assert.equal(config.token.secret, SECRET);
    // Line numbers after a continuation still count physical lines.
    assert.equal(config.sources.get('server.port'), 'ward.properties line 4');
  });

  void test('an escaped backslash at the end of a line is a backslash, not a continuation', () => {
    const config = load(['admin.password=ends with a backslash\\\\', 'server.port=8484']);
    assert.equal(config.adminPassword, 'ends with a backslash\\');
    assert.equal(config.server.port, 8484);
  });

  void test('escapes: \\uXXXX, \\t, \\n, \\=, \\:, \\#, \\\\ and an escaped character in the key', () => {
    const config = load([
      'admin.password=Contrase\\u00f1a \\u00c1rbol\\t\\=\\:\\#\\\\x',
      'token.secret=line1\\nline2 with enough characters to be long',
      'token\\u002esecret.previous=escaped dot in the key 0123456789',
    ]);
    assert.equal(config.adminPassword, 'Contraseña Árbol\t=:#\\x');
    assert.equal(config.token.secret, 'line1\nline2 with enough characters to be long');
    assert.equal(config.token.previousSecret, 'escaped dot in the key 0123456789');
  });

  void test('non-ASCII text is read as UTF-8', () => {
    assert.equal(load(['admin.password=contraseña-ñandú']).adminPassword, 'contraseña-ñandú');
  });

  void test('Windows line endings and a byte-order mark are accepted', () => {
    const config = load('\uFEFF# node\r\nserver.port=8585\r\nlog.level=warn\r\n');
    assert.equal(config.server.port, 8585);
    assert.equal(config.logLevel, 'warn');
  });

  void test('spaces around a value are not part of it', () => {
    const config = load(['database.runtime.role=ward_role   ', 'app.mode= production ']);
    assert.equal(config.database.runtimeRole, 'ward_role');
    assert.equal(config.mode, 'production');
  });

  void test('a malformed \\u escape is an error naming its line, and the rest is still checked', () => {
    const problems = problemsOf(() =>
      load(['# fine', 'admin.password=bad \\u12 escape', 'server.port=http', 'token.secert=x']),
    );
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assertMentions(problems.find((p) => p.includes('escape')) ?? '', 'line 2', '\\uXXXX');
    assertMentions(problems.find((p) => p.includes('server.port')) ?? '', 'line 3');
    assertMentions(problems.find((p) => p.includes('token.secert')) ?? '', 'line 4');
  });

  void test('a \\u escape cut short by the end of the line is an error too', () => {
    assertMentions(
      onlyProblem(() => load(['server.port=8080', 'admin.password=abc\\u00'])),
      'line 2',
      '\\u',
    );
  });

  void test('an escaped backslash before u is not a unicode escape', () => {
    assert.equal(load(['admin.password=C:\\\\users\\\\ward']).adminPassword, 'C:\\users\\ward');
  });
});

void describe('validation', () => {
  void test('a misspelt security key is an error naming the line and suggesting the key', () => {
    const problem = onlyProblem(() =>
      load(['app.mode=production', '# signing key', `token.secert=${SECRET}`, 'server.port=8443']),
    );
    assertMentions(problem, 'line 3', 'token.secert', 'did you mean "token.secret"');
  });

  void test('misspellings of every seed key are caught with the right suggestion', () => {
    const typos: [string, string][] = [
      ['auth.2fa.pasword', 'auth.2fa.password'],
      ['admin.passwd', 'admin.password'],
      ['app.feature.HABILITAR2FA', 'app.feature.HABILITAR_2FA'],
      ['app.feature.ENABLE2FA', 'app.feature.ENABLE_2FA'],
      ['google.recaptcha.enabled', 'google.recaptcha.enable'],
      ['google.recaptcha.secretkey', 'google.recaptcha.secret.key'],
      ['google.recaptcha.site-key', 'google.recaptcha.site.key'],
      ['google.recaptcha.validator.uri', 'google.recaptcha.validator.url'],
      ['token.secrets', 'token.secret'],
      ['server.ssl.cert', 'server.ssl.key'],
      ['TOKEN.SECRET', 'token.secret'],
    ];
    for (const [typo, meant] of typos) {
      const problem = onlyProblem(() => load(['server.port=8080', `${typo}=true`]));
      assertMentions(problem, 'line 2', `"${typo}"`, `did you mean "${meant}"`);
    }
  });

  void test('a key unlike any other is still an error, without a suggestion', () => {
    const problem = onlyProblem(() => load(['spring.datasource.password=x']));
    assertMentions(problem, 'line 1', 'unknown key "spring.datasource.password"', 'ward config-reference');
    assert.ok(!problem.includes('did you mean'), problem);
  });

  void test('the value of a misspelt key is never repeated in the message', () => {
    const problem = onlyProblem(() => load([`token.secert=${SECRET}`]));
    assert.ok(!problem.includes(SECRET), problem);
  });

  void test('a line without a separator or value is malformed, named by its line', () => {
    const problem = onlyProblem(() => load(['server.port=8080', '', 'token.secret']));
    assertMentions(problem, 'line 3', 'key=value');
  });

  void test('a line with an empty key is an error', () => {
    assertMentions(
      onlyProblem(() => load(['=production'])),
      'line 1',
      'unknown key ""',
    );
  });

  void test('an empty value is an error: removing the line is how to get the default', () => {
    for (const key of ['token.secret', 'admin.password', 'data.dir', 'database.runtime.role']) {
      assertMentions(
        onlyProblem(() => load([`${key}=`])),
        'line 1',
        key,
        'non-empty',
      );
    }
    assertMentions(
      onlyProblem(() => load(['server.port=   '])),
      'server.port',
    );
  });

  void test('a boolean is true or false, nothing else', () => {
    for (const value of ['yes', 'TRUE', 'True', '1', 'on', 'enabled']) {
      const problem = onlyProblem(() => load(['# 2FA', `app.feature.HABILITAR_2FA=${value}`]));
      assertMentions(problem, 'line 2', 'app.feature.HABILITAR_2FA', '`true` or `false`');
    }
    assertMentions(
      onlyProblem(() => load(['google.recaptcha.enable=si'])),
      'google.recaptcha.enable',
      '`true` or `false`',
    );
  });

  void test('a bad boolean under the alias names the setting', () => {
    assertMentions(
      onlyProblem(() => load(['app.feature.ENABLE_2FA=yes'])),
      'app.feature.HABILITAR_2FA',
    );
  });

  void test('a port is a whole number from 0 to 65535', () => {
    for (const value of ['65536', '-1', '80.5', 'http', '8080a', '1e3', '999999']) {
      const problem = onlyProblem(() => load([`server.port=${value}`]));
      assertMentions(problem, 'line 1', 'server.port', 'from 0 to 65535');
    }
  });

  void test('a URL is absolute, with a scheme and //', () => {
    for (const key of [
      'database.url',
      'database.runtime.url',
      'redis.url',
      'google.recaptcha.validator.url',
    ]) {
      for (const value of ['localhost:5432', 'db.example/ward', 'not a url', '127.0.0.1', 'postgres:ward']) {
        const problem = onlyProblem(() => load([`${key}=${value}`]));
        assertMentions(problem, 'line 1', key, 'absolute URL');
      }
    }
  });

  void test('an enum takes one of its listed values, which the message lists', () => {
    assertMentions(
      onlyProblem(() => load(['app.mode=prod'])),
      'app.mode',
      '`development`',
      '`production`',
    );
    assertMentions(
      onlyProblem(() => load(['app.mode=Production'])),
      'app.mode',
    );
    assertMentions(
      onlyProblem(() => load(['log.level=verbose'])),
      'log.level',
      '`info`',
      '`silent`',
    );
  });

  void test('a host is an address or a name, not a URL or a list', () => {
    for (const value of ['http://0.0.0.0', 'my host', '0.0.0.0,::']) {
      assertMentions(
        onlyProblem(() => load(['app.mode=production', `server.host=${value}`])),
        'server.host',
      );
    }
  });

  void test('a key set twice is an error naming both lines', () => {
    const problem = onlyProblem(() =>
      load([`token.secret=${SECRET}`, 'server.port=8080', `token.secret=${OTHER_SECRET}`]),
    );
    assertMentions(problem, 'line 3', 'token.secret', 'line 1');
  });

  void test('a key and its alias together are a duplicate, whichever comes first', () => {
    const problem = onlyProblem(() =>
      load(['app.feature.HABILITAR_2FA=true', 'app.feature.ENABLE_2FA=false']),
    );
    assertMentions(problem, 'line 2', 'app.feature.ENABLE_2FA', 'app.feature.HABILITAR_2FA', 'line 1');
    const reversed = onlyProblem(() =>
      load(['app.feature.ENABLE_2FA=true', 'app.feature.HABILITAR_2FA=true']),
    );
    assertMentions(reversed, 'line 2', 'line 1');
  });

  void test('a certificate without its key, or a key without its certificate, is an error', () => {
    const problem = onlyProblem(() => load(['server.ssl.certificate=fullchain.pem']));
    assertMentions(problem, 'server.ssl.certificate', 'server.ssl.key');
    assertMentions(
      onlyProblem(() => load(['server.ssl.key=privkey.pem'])),
      'server.ssl.certificate',
    );
  });

  void test('reCAPTCHA enabled without its keys names each missing key', () => {
    const problems = problemsOf(() => load(['google.recaptcha.enable=true']));
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.ok(problems.some((p) => p.includes('google.recaptcha.site.key')));
    assert.ok(problems.some((p) => p.includes('google.recaptcha.secret.key')));
    assertMentions(
      onlyProblem(() => load(['google.recaptcha.enable=true', 'google.recaptcha.site.key=site'])),
      'google.recaptcha.secret.key',
      'google.recaptcha.enable=true',
    );
    // Disabled, the keys may be absent.
    assert.equal(load(['google.recaptcha.enable=false']).recaptcha.enabled, false);
  });

  void test('development refuses to listen beyond loopback', () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'ward.example.org', '::ffff:10.0.0.1']) {
      const problem = onlyProblem(() => load([`server.host=${host}`]));
      assertMentions(problem, `server.host=${host}`, 'loopback', 'app.mode=production');
    }
  });

  void test('development accepts loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      assert.equal(load([`server.host=${host}`]).server.host, host);
    }
  });

  void test('production may listen on any interface', () => {
    assert.equal(load(['app.mode=production', 'server.host=0.0.0.0']).server.host, '0.0.0.0');
  });

  void test('every problem of a file is reported at once, not just the first', () => {
    const problems = problemsOf(() =>
      load([
        'token.secert=x',
        'server.port=99999',
        'app.mode=staging',
        'google.recaptcha.enable=yes',
        'bare-line',
        'redis.url=cache:6379',
        'server.ssl.certificate=cert.pem',
      ]),
    );
    assert.equal(problems.length, 7, JSON.stringify(problems));
    for (const needle of [
      'token.secert',
      'server.port',
      'app.mode',
      'google.recaptcha.enable',
      'line 5',
      'redis.url',
      'server.ssl.key',
    ]) {
      assert.ok(
        problems.some((p) => p.includes(needle)),
        `no problem mentions ${needle}`,
      );
    }
  });
});

void describe('environment', () => {
  void test('each key has its WARD_ variable: the key upper-cased, other characters as _', () => {
    const env = new Map(KEYS.map((k) => [k.key, k.env]));
    assert.equal(env.get('token.secret'), 'WARD_TOKEN_SECRET');
    assert.equal(env.get('app.feature.HABILITAR_2FA'), 'WARD_APP_FEATURE_HABILITAR_2FA');
    assert.equal(env.get('auth.2fa.password'), 'WARD_AUTH_2FA_PASSWORD');
    assert.equal(env.get('google.recaptcha.secret.key'), 'WARD_GOOGLE_RECAPTCHA_SECRET_KEY');
    assert.equal(env.get('server.ssl.certificate'), 'WARD_SERVER_SSL_CERTIFICATE');
    for (const k of KEYS) assert.equal(k.env, 'WARD_' + k.key.toUpperCase().replace(/[^A-Z0-9]/g, '_'));
  });

  void test('every key can be set from the environment alone', () => {
    const config = loadConfig({
      env: {
        WARD_APP_MODE: 'production',
        WARD_TOKEN_SECRET: SECRET,
        WARD_AUTH_2FA_PASSWORD: OTHER_SECRET,
        WARD_ADMIN_PASSWORD: 'from the environment',
        WARD_APP_FEATURE_HABILITAR_2FA: 'true',
        WARD_GOOGLE_RECAPTCHA_ENABLE: 'true',
        WARD_GOOGLE_RECAPTCHA_SITE_KEY: 'site',
        WARD_GOOGLE_RECAPTCHA_SECRET_KEY: 'captcha-secret',
        WARD_SERVER_PORT: '9443',
        WARD_SERVER_SSL_CERTIFICATE: '/tls/cert.pem',
        WARD_SERVER_SSL_KEY: '/tls/key.pem',
        WARD_DATA_DIR: '/srv/ward',
        WARD_LOG_LEVEL: 'error',
      },
      cwd: freshDir(),
    });
    assert.equal(config.mode, 'production');
    assert.equal(config.token.secret, SECRET);
    assert.equal(config.twoFactor.key, OTHER_SECRET);
    assert.equal(config.adminPassword, 'from the environment');
    assert.equal(config.twoFactor.featureEnabled, true);
    assert.equal(config.recaptcha.secretKey, 'captcha-secret');
    assert.equal(config.server.port, 9443);
    assert.deepEqual(config.server.tls, { certificate: '/tls/cert.pem', key: '/tls/key.pem' });
    assert.equal(config.dataDir, '/srv/ward');
    assert.equal(config.logLevel, 'error');
    assert.equal(config.sources.get('token.secret'), 'environment WARD_TOKEN_SECRET');
  });

  void test('the environment wins over the file', () => {
    const { load: loadIt } = propertiesFile([
      `token.secret=${SECRET}`,
      'server.port=8080',
      'app.feature.HABILITAR_2FA=false',
    ]);
    const config = loadIt({
      WARD_TOKEN_SECRET: OTHER_SECRET,
      WARD_SERVER_PORT: '9999',
      WARD_APP_FEATURE_HABILITAR_2FA: 'true',
    });
    assert.equal(config.token.secret, OTHER_SECRET);
    assert.equal(config.server.port, 9999);
    assert.equal(config.twoFactor.featureEnabled, true);
    assert.equal(config.sources.get('server.port'), 'environment WARD_SERVER_PORT');
  });

  void test('the environment also wins over the alias in the file', () => {
    const config = load(['app.feature.ENABLE_2FA=false'], { WARD_APP_FEATURE_HABILITAR_2FA: 'true' });
    assert.equal(config.twoFactor.featureEnabled, true);
  });

  void test('DATABASE_URL and REDIS_URL are honoured and win over the file', () => {
    const config = load(['database.url=postgres://file@db/ward', 'redis.url=redis://file:6379'], {
      DATABASE_URL: 'postgres://env@db/ward',
      REDIS_URL: 'redis://env:6379',
    });
    assert.equal(config.database.url, 'postgres://env@db/ward');
    assert.equal(config.redisUrl, 'redis://env:6379');
  });

  void test('WARD_DATABASE_URL wins over DATABASE_URL', () => {
    const config = load([], {
      DATABASE_URL: 'postgres://generic@db/x',
      WARD_DATABASE_URL: 'postgres://ward@db/x',
    });
    assert.equal(config.database.url, 'postgres://ward@db/x');
  });

  void test('an empty variable counts as unset', () => {
    assert.equal(load(['server.port=8181'], { WARD_SERVER_PORT: '' }).server.port, 8181);
  });

  void test('values from the environment are validated and the message names the variable', () => {
    const problem = onlyProblem(() => load([], { WARD_SERVER_PORT: 'eighty' }));
    assertMentions(problem, 'WARD_SERVER_PORT', 'server.port', 'from 0 to 65535');
    assertMentions(
      onlyProblem(() => load([], { DATABASE_URL: 'db:5432' })),
      'DATABASE_URL',
      'database.url',
    );
    assertMentions(
      onlyProblem(() => load([], { WARD_APP_FEATURE_HABILITAR_2FA: 'si' })),
      'WARD_APP_FEATURE_HABILITAR_2FA',
      '`true` or `false`',
    );
  });

  void test('an unknown WARD_ variable is an error naming it, with a suggestion for a typo', () => {
    const problem = onlyProblem(() => load([], { WARD_TOKEN_SECERT: SECRET }));
    assertMentions(problem, 'WARD_TOKEN_SECERT', 'WARD_TOKEN_SECRET');
    assert.ok(!problem.includes(SECRET), 'the value is not repeated');
    assertMentions(
      onlyProblem(() => load([], { WARD_SOMETHING_ELSE_ENTIRELY: 'x' })),
      'WARD_SOMETHING_ELSE_ENTIRELY',
    );
  });

  void test('variables without the WARD_ prefix are none of Ward’s business', () => {
    const config = load([], { PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production', TOKEN_SECRET: 'x' });
    assert.equal(config.token.secret, undefined);
    assert.equal(config.mode, 'development');
  });

  void test('the environment can fix a setting the file gets wrong for this node', () => {
    // The file says development on every interface; this node's environment says production.
    const config = load(['server.host=0.0.0.0'], { WARD_APP_MODE: 'production' });
    assert.equal(config.server.host, '0.0.0.0');
  });

  void test('a non-loopback host from the environment is refused in development too', () => {
    assertMentions(
      onlyProblem(() => load([], { WARD_SERVER_HOST: '0.0.0.0' })),
      'server.host=0.0.0.0',
    );
  });

  void test('file and environment problems are reported together', () => {
    const problems = problemsOf(() => load(['token.secert=x'], { WARD_NOPE: '1', WARD_SERVER_PORT: 'x' }));
    assert.equal(problems.length, 3, JSON.stringify(problems));
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Properties, type PropertyNode } from 'properties-file/parser';
import { KEY_BY_NAME, KEYS, type KeySpec } from './keys.ts';
import type { AppMode, LogLevel, WardConfig } from './types.ts';

/** A configuration that cannot be used. Every problem found is listed, each naming its key or line. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Ward's configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Properties file; when absent, `ward.properties` in `cwd` is read if it exists. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

interface RawValue {
  readonly value: string;
  readonly source: string;
  /** The name it was set under (a key, an alias or an environment variable). */
  readonly key: string;
}

const EXPECTED: Record<KeySpec['kind'], string> = {
  string: 'a text value',
  secret: 'a text value',
  boolean: '`true` or `false`',
  port: 'a whole number from 0 to 65535',
  url: 'an absolute URL such as `scheme://host/path`',
  path: 'a file or folder path',
  host: 'an IP address or host name',
  enum: 'one of',
  duration: 'a duration',
};

function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(3, Math.floor(name.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyMessage(where: string, name: string): string {
  const suggestion = closestName(name, KEY_BY_NAME.keys());
  return `${where}: unknown key "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; see \`ward config-reference\` for every key`;
}

// One backslash escape: `\uXXXX`, any other escaped character, or a backslash ending the line.
const ESCAPE = /\\(u[0-9A-Fa-f]{4}|[\s\S]|$)/g;

/**
 * The parser stops at the first malformed `\uXXXX` escape without saying where. This finds the
 * lines that hold one and repairs them (drops the backslash), so the rest of the file can still be
 * checked and every problem reported at once.
 */
function repairUnicodeEscapes(content: string): { readonly lines: number[]; readonly repaired: string } {
  const lines: number[] = [];
  const repaired = content.split(/\r\n|\r|\n/).map((line, index) => {
    if (/^[ \t\f]*[#!]/.test(line)) return line; // comments are never unescaped
    const fixed = line.replace(ESCAPE, (escape, escaped: string) => (escaped === 'u' ? 'u' : escape));
    if (fixed !== line) lines.push(index + 1);
    return fixed;
  });
  return { lines, repaired: repaired.join('\n') };
}

function parseProperties(content: string, base: string, problems: string[]): PropertyNode[] {
  try {
    return new Properties(content).getProperties();
  } catch {
    const { lines, repaired } = repairUnicodeEscapes(content);
    const fix = 'write \\uXXXX with exactly four hexadecimal digits, or \\\\ for a literal backslash';
    if (lines.length === 0) {
      problems.push(`${base}: malformed \\u escape: ${fix}`);
      return [];
    }
    for (const line of lines) problems.push(`${base} line ${line}: malformed \\u escape: ${fix}`);
    try {
      return new Properties(repaired).getProperties();
    } catch {
      return [];
    }
  }
}

function readFileValues(file: string, problems: string[]): Map<KeySpec, RawValue> {
  const values = new Map<KeySpec, RawValue>();
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file; check the path given with --config'
        : code === 'EACCES'
          ? 'permission denied; Ward must be able to read it'
          : (code ?? 'error');
    problems.push(`${file}: cannot be read (${reason})`);
    return values;
  }
  const base = path.basename(file);
  for (const node of parseProperties(content, base, problems)) {
    const where = `${base} line ${node.startingLineNumber}`;
    if (node.separatorChar === undefined && node.value === '') {
      problems.push(`${where}: "${node.key}" is not of the form key=value`);
      continue;
    }
    const keySpec = KEY_BY_NAME.get(node.key);
    if (!keySpec) {
      problems.push(unknownKeyMessage(where, node.key));
      continue;
    }
    const earlier = values.get(keySpec);
    if (earlier) {
      const alias = node.key === earlier.key ? '' : ` (both name the setting ${keySpec.key})`;
      problems.push(
        `${where}: "${node.key}" is set again (first set as "${earlier.key}" at ${earlier.source})${alias}; a key may be set only once`,
      );
      continue;
    }
    values.set(keySpec, { value: node.value.trim(), source: where, key: node.key });
  }
  return values;
}

function readEnvValues(env: LoadOptions['env'], problems: string[]): Map<KeySpec, RawValue> {
  const values = new Map<KeySpec, RawValue>();
  const known = new Set<string>();
  for (const keySpec of KEYS) {
    for (const name of [keySpec.env, ...(keySpec.envAliases ?? [])]) {
      known.add(name);
      const value = env[name];
      if (value === undefined || value === '') continue;
      if (!values.has(keySpec))
        values.set(keySpec, { value: value.trim(), source: `environment ${name}`, key: name });
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('WARD_') && !known.has(name)) {
      const suggestion = closestName(name, known);
      problems.push(
        `environment variable ${name}: not a Ward setting${suggestion ? ` (did you mean ${suggestion}?)` : ''}; see \`ward config-reference\``,
      );
    }
  }
  return values;
}

function checkValue(keySpec: KeySpec, raw: RawValue, problems: string[]): void {
  const fail = (expected: string): void => {
    problems.push(`${raw.source}: ${keySpec.key} must be ${expected}`);
  };
  const v = raw.value;
  switch (keySpec.kind) {
    case 'boolean':
      if (v !== 'true' && v !== 'false') fail(EXPECTED.boolean);
      return;
    case 'port':
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) fail(EXPECTED.port);
      return;
    case 'url':
      if (!URL.canParse(v) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) fail(EXPECTED.url);
      return;
    case 'enum':
      if (!keySpec.values?.includes(v))
        fail(`one of ${keySpec.values?.map((x) => `\`${x}\``).join(', ') ?? ''}`);
      return;
    case 'host':
      if (!/^[A-Za-z0-9.:-]+$/.test(v)) fail(EXPECTED.host);
      return;
    case 'secret':
    case 'string':
    case 'path':
    case 'duration':
      if (v === '') fail('non-empty (remove the line to use the default)');
      return;
  }
}

/**
 * Reads the properties file and the environment, and validates every value. It never reads
 * secrets from anywhere else and never fills in development defaults: see `developmentSecrets`.
 */
export function loadConfig(options: LoadOptions): WardConfig {
  const problems: string[] = [];
  let file = options.file ? path.resolve(options.cwd, options.file) : undefined;
  if (!file) {
    const candidate = path.join(options.cwd, 'ward.properties');
    if (existsSync(candidate)) file = candidate;
  }
  const fromFile = file ? readFileValues(file, problems) : new Map<KeySpec, RawValue>();
  const fromEnv = readEnvValues(options.env, problems);
  const merged = new Map<string, RawValue>();
  for (const keySpec of KEYS) {
    const raw = fromEnv.get(keySpec) ?? fromFile.get(keySpec);
    if (!raw) continue;
    checkValue(keySpec, raw, problems);
    merged.set(keySpec.key, raw);
  }

  const get = (key: string): string | undefined => merged.get(key)?.value;
  const mode = (get('app.mode') ?? 'development') as AppMode;
  const certificate = get('server.ssl.certificate');
  const tlsKey = get('server.ssl.key');
  if ((certificate === undefined) !== (tlsKey === undefined)) {
    problems.push(
      'server.ssl.certificate and server.ssl.key go together: set both (HTTPS) or neither (development HTTP)',
    );
  }
  const host = get('server.host') ?? (mode === 'production' ? '0.0.0.0' : '127.0.0.1');
  if (mode === 'development' && !isLoopback(host)) {
    problems.push(
      `server.host=${host}: development mode listens on loopback only (127.0.0.1 or ::1); set app.mode=production to serve a network`,
    );
  }
  const port = Number(get('server.port') ?? (mode === 'production' ? 8443 : 8080));
  const recaptchaEnabled = get('google.recaptcha.enable') === 'true';
  if (recaptchaEnabled) {
    for (const key of ['google.recaptcha.site.key', 'google.recaptcha.secret.key']) {
      if (get(key) === undefined) {
        problems.push(
          `${key} is required when google.recaptcha.enable=true (from the Google administration console)`,
        );
      }
    }
  }
  if (get('captcha.provider') === 'recaptcha' && !recaptchaEnabled) {
    problems.push(
      'captcha.provider=recaptcha needs google.recaptcha.enable=true and its site and secret keys',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const sources = new Map<string, string>();
  for (const [key, raw] of merged) sources.set(key, raw.source);
  return {
    mode,
    file,
    adminPassword: get('admin.password'),
    token: { secret: get('token.secret'), previousSecret: get('token.secret.previous') },
    twoFactor: {
      featureEnabled: get('app.feature.HABILITAR_2FA') === 'true',
      key: get('auth.2fa.password'),
      previousKey: get('auth.2fa.password.previous'),
    },
    recaptcha: {
      enabled: recaptchaEnabled,
      siteKey: get('google.recaptcha.site.key'),
      secretKey: get('google.recaptcha.secret.key'),
      validatorUrl:
        get('google.recaptcha.validator.url') ?? 'https://www.google.com/recaptcha/api/siteverify',
    },
    captcha: {
      provider: (get('captcha.provider') ??
        (recaptchaEnabled ? 'recaptcha' : 'none')) as WardConfig['captcha']['provider'],
      when: (get('captcha.when') ?? 'after-failures') as WardConfig['captcha']['when'],
    },
    server: {
      host,
      port,
      trustedProxies: (get('server.trust.proxy') ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
      publicUrl:
        get('server.public.url') ??
        `${certificate ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`,
      tls:
        certificate && tlsKey
          ? { certificate: path.resolve(options.cwd, certificate), key: path.resolve(options.cwd, tlsKey) }
          : undefined,
    },
    database: {
      url: get('database.url'),
      runtimeUrl: get('database.runtime.url'),
      runtimeRole: get('database.runtime.role') ?? 'ward_app',
    },
    redisUrl: get('redis.url'),
    dataDir: path.resolve(options.cwd, get('data.dir') ?? 'data'),
    logLevel: (get('log.level') ?? 'info') as LogLevel,
    sources,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

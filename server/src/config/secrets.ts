import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Properties } from 'properties-file/parser';
import type { WardConfig } from './types.ts';

/** Bytes a signing or encryption key must have at least. */
export const MINIMUM_SECRET_BYTES = 32;

// Values seen in the source documents, in the public code of comparable systems and in
// tutorials. Ward refuses them even when long enough.
const WELL_KNOWN_SECRETS = new Set(
  [
    'encriptar',
    'secret',
    'changeme',
    'changeit',
    'password',
    'default',
    'token',
    'mysecret',
    'supersecret',
    'your-256-bit-secret',
    'secretkey',
    'jwtsecret',
    'change-this-to-a-long-random-secret',
    'please-change-me-please-change-me',
    'abcdefghijklmnopqrstuvwxyz012345',
    '0123456789abcdef0123456789abcdef',
    'ward-development-secret-do-not-use-in-production',
  ].map((s) => s.toLowerCase()),
);

export type SecretWeakness = 'missing' | 'short' | 'well-known' | 'low-variety';

/** Why a signing or encryption secret is unfit, or undefined when it is fit. The one place that decides. */
export function secretWeakness(value: string | undefined): SecretWeakness | undefined {
  if (value === undefined || value === '') return 'missing';
  if (WELL_KNOWN_SECRETS.has(value.toLowerCase())) return 'well-known';
  if (Buffer.byteLength(value, 'utf8') < MINIMUM_SECRET_BYTES) return 'short';
  if (new Set(value).size < 10) return 'low-variety';
  return undefined;
}

export function describeWeakness(key: string, weakness: SecretWeakness): string {
  const fix = `generate one with \`openssl rand -base64 48\` and set ${key}=<value> identically on every node`;
  switch (weakness) {
    case 'missing':
      return `${key} is not set: ${fix}`;
    case 'short':
      return `${key} is shorter than ${MINIMUM_SECRET_BYTES} bytes: ${fix}`;
    case 'well-known':
      return `${key} is a well-known default that attackers try first: ${fix}`;
    case 'low-variety':
      return `${key} repeats too few distinct characters to be random: ${fix}`;
  }
}

/** Problems that make a production configuration unsafe to start; empty when there are none. */
export function productionProblems(config: WardConfig): string[] {
  if (config.mode !== 'production') return [];
  const problems: string[] = [];
  if (!config.server.tls) {
    problems.push(
      'server.ssl.certificate and server.ssl.key are not set: production serves HTTPS only; point them at your certificate (e.g. certbot fullchain.pem and privkey.pem)',
    );
  }
  const checks: [string, string | undefined][] = [
    ['token.secret', config.token.secret],
    ['auth.2fa.password', config.twoFactor.key],
  ];
  for (const [key, value] of checks) {
    const weakness = secretWeakness(value);
    if (weakness) problems.push(describeWeakness(key, weakness));
  }
  // Set-password and reset links carry one-time tokens: in production they must travel over HTTPS.
  if (config.sources.has('server.public.url') && !config.server.publicUrl.startsWith('https://')) {
    problems.push(
      'server.public.url is not an https:// address: set-password and reset links would carry their one-time tokens in the clear; set server.public.url=https://<your Ward address>',
    );
  }
  // A previous signing key still verifies tokens, so a well-known one would let anyone forge them.
  // (A weak previous 2FA key is allowed: it only decrypts, and rotating away from it needs it.)
  const previousWeakness =
    config.token.previousSecret === undefined ? undefined : secretWeakness(config.token.previousSecret);
  if (previousWeakness) problems.push(describeWeakness('token.secret.previous', previousWeakness));
  if (config.token.secret !== undefined && config.token.secret === config.twoFactor.key) {
    problems.push('token.secret and auth.2fa.password are the same value: give each key its own secret');
  }
  return problems;
}

export interface GeneratedSecrets {
  readonly config: WardConfig;
  /** Keys whose values were generated or read from the development secrets file. */
  readonly generated: readonly string[];
  readonly file: string;
}

/**
 * Development mode only: fills in `token.secret` and `auth.2fa.password` from
 * `data.dir/development-secrets.properties`, creating the file (mode 0600) with random values
 * the first time, so a developer never has to invent a secret and never ships a shared one.
 */
export function withDevelopmentSecrets(config: WardConfig): GeneratedSecrets {
  const file = path.join(config.dataDir, 'development-secrets.properties');
  if (config.mode !== 'development') return { config, generated: [], file };
  let stored: Record<string, string> = {};
  if (existsSync(file)) {
    stored = new Properties(readFileSync(file, 'utf8')).toObject();
    // Whoever loosened its permissions, the file holds keys: only its owner may read it.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
  const wanted: [string, string | undefined][] = [
    ['token.secret', config.token.secret],
    ['auth.2fa.password', config.twoFactor.key],
  ];
  const generated: string[] = [];
  let changed = false;
  for (const [key, value] of wanted) {
    if (value !== undefined) continue;
    // An emptied or hand-edited value is replaced rather than used as a key.
    if (secretWeakness(stored[key]) !== undefined) {
      stored[key] = randomBytes(48).toString('base64url');
      changed = true;
    }
    generated.push(key);
  }
  if (changed) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const body = Object.entries(stored)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    writeFileSync(
      file,
      `# Generated by Ward in development mode. Never use these values in production.\n${body}\n`,
      { mode: 0o600 },
    );
    chmodSync(file, 0o600);
  }
  const sources = new Map(config.sources);
  for (const key of generated) sources.set(key, 'generated (development)');
  return {
    config: {
      ...config,
      token: { ...config.token, secret: config.token.secret ?? stored['token.secret'] },
      twoFactor: { ...config.twoFactor, key: config.twoFactor.key ?? stored['auth.2fa.password'] },
      sources,
    },
    generated,
    file,
  };
}

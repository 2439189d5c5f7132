// Every configuration key Ward understands, in one table: its type, default, environment
// variable and meaning. The parser, the validation, `ward config-reference` and the README's
// reference table all come from here, so a key cannot exist in one and be missing in another.

export type KeyKind =
  'string' | 'secret' | 'boolean' | 'port' | 'url' | 'path' | 'host' | 'enum' | 'duration';

export interface KeySpec {
  readonly key: string;
  readonly kind: KeyKind;
  /** Environment variable that overrides the file. */
  readonly env: string;
  /** Other names accepted for the same key (the seeds use Spanish and English spellings). */
  readonly aliases?: readonly string[];
  /** Extra environment variables accepted, by convention of the ecosystem (DATABASE_URL). */
  readonly envAliases?: readonly string[];
  readonly values?: readonly string[];
  readonly defaultText: string;
  readonly description: string;
}

function envName(key: string): string {
  return 'WARD_' + key.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

function spec(s: Omit<KeySpec, 'env'>): KeySpec {
  return { ...s, env: envName(s.key) };
}

export const KEYS: readonly KeySpec[] = [
  spec({
    key: 'app.mode',
    kind: 'enum',
    values: ['development', 'production'],
    defaultText: 'development',
    description:
      '`development`: plain HTTP on 127.0.0.1 only, missing secrets generated into `data.dir`, loud warnings. `production`: refuses to start with an insecure configuration.',
  }),
  spec({
    key: 'admin.password',
    kind: 'secret',
    defaultText: '(development: random, printed once)',
    description:
      'Password of the built-in system administrator `admin`, applied on the first start only; later starts never change it. Production refuses a missing or weak one on first start.',
  }),
  spec({
    key: 'token.secret',
    kind: 'secret',
    defaultText: '(development: generated into data.dir)',
    description:
      'Key that signs session tokens; at least 32 bytes, identical on every node. Production refuses a missing, short or well-known value.',
  }),
  spec({
    key: 'token.secret.previous',
    kind: 'secret',
    defaultText: '(none)',
    description: 'Previous `token.secret`, still accepted for verifying tokens while a rotation completes.',
  }),
  spec({
    key: 'auth.2fa.password',
    kind: 'secret',
    defaultText: '(development: generated into data.dir)',
    description:
      'Key material that encrypts two-factor secrets; at least 32 bytes, identical on every node. Production refuses a missing, short or well-known value.',
  }),
  spec({
    key: 'auth.2fa.password.previous',
    kind: 'secret',
    defaultText: '(none)',
    description:
      'Previous `auth.2fa.password`, used to decrypt secrets while `ward rotate-2fa-key` re-encrypts them.',
  }),
  spec({
    key: 'app.feature.HABILITAR_2FA',
    aliases: ['app.feature.ENABLE_2FA'],
    kind: 'boolean',
    defaultText: 'false',
    description:
      'Makes two-factor authentication available in this deployment (each institution then enables it).',
  }),
  spec({
    key: 'google.recaptcha.enable',
    kind: 'boolean',
    defaultText: 'false',
    description: 'Shows reCAPTCHA v2 on the sign-in page and verifies it on the server.',
  }),
  spec({
    key: 'google.recaptcha.site.key',
    kind: 'string',
    defaultText: '(none)',
    description: 'reCAPTCHA site key, from the Google administration console.',
  }),
  spec({
    key: 'google.recaptcha.secret.key',
    kind: 'secret',
    defaultText: '(none)',
    description: 'reCAPTCHA secret key, from the Google administration console.',
  }),
  spec({
    key: 'google.recaptcha.validator.url',
    kind: 'url',
    defaultText: 'https://www.google.com/recaptcha/api/siteverify',
    description: 'Where reCAPTCHA tokens are verified; point it at a local fake verifier in tests.',
  }),
  spec({
    key: 'captcha.provider',
    kind: 'enum',
    values: ['recaptcha', 'altcha', 'none'],
    defaultText: '`recaptcha` when google.recaptcha.enable=true, else `none`',
    description:
      'Sign-in captcha: Google reCAPTCHA v2, a self-hosted ALTCHA proof of work (no traffic to Google), or none.',
  }),
  spec({
    key: 'captcha.when',
    kind: 'enum',
    values: ['always', 'after-failures'],
    defaultText: 'after-failures',
    description:
      'Ask for the captcha at every sign-in, or only after 3 failed attempts for the account or address.',
  }),
  spec({
    key: 'server.host',
    kind: 'host',
    defaultText: '127.0.0.1 (development) / 0.0.0.0 (production)',
    description: 'Address to listen on. Development mode accepts loopback addresses only.',
  }),
  spec({
    key: 'server.port',
    kind: 'port',
    defaultText: '8080 (development) / 8443 (production)',
    description: 'The one port that serves both the API and the web UI (0 = any free port).',
  }),
  spec({
    key: 'server.trust.proxy',
    kind: 'string',
    defaultText: "(none: the connection's address is the client's)",
    description:
      'Addresses of reverse proxies (comma-separated IPs or CIDRs, e.g. `127.0.0.1`) whose `X-Forwarded-For` names the client; throttling and the audit trail use that address.',
  }),
  spec({
    key: 'server.public.url',
    kind: 'url',
    defaultText: '(derived from server.host and server.port)',
    description:
      'The address people type to reach Ward (e.g. `https://ward.hospital.example`), used in set-password and reset links.',
  }),
  spec({
    key: 'server.ssl.certificate',
    kind: 'path',
    defaultText: '(none)',
    description:
      'PEM certificate chain (e.g. certbot `fullchain.pem`). Reloaded without restart when the file changes or on SIGHUP.',
  }),
  spec({
    key: 'server.ssl.key',
    kind: 'path',
    defaultText: '(none)',
    description: 'PEM private key matching `server.ssl.certificate` (e.g. certbot `privkey.pem`).',
  }),
  spec({
    key: 'database.url',
    kind: 'url',
    envAliases: ['DATABASE_URL'],
    defaultText: '(embedded PostgreSQL in data.dir)',
    description:
      'PostgreSQL (14 or later) connection of the schema owner, used for migrations. Unset: Ward runs its own embedded PostgreSQL.',
  }),
  spec({
    key: 'database.runtime.url',
    kind: 'url',
    defaultText: '(derived: role `database.runtime.role`)',
    description:
      'Connection the server uses at run time: a role with data access only (no DDL). Unset: Ward creates and manages the runtime role itself.',
  }),
  spec({
    key: 'database.runtime.role',
    kind: 'string',
    defaultText: 'ward_app',
    description: 'Name of the runtime role Ward manages when `database.runtime.url` is not set.',
  }),
  spec({
    key: 'redis.url',
    kind: 'url',
    envAliases: ['REDIS_URL'],
    defaultText: '(none: PostgreSQL does the job)',
    description:
      'Optional Redis that holds what every node shares about sign-in: the throttling counters and the ALTCHA challenges already redeemed.',
  }),
  spec({
    key: 'data.dir',
    kind: 'path',
    defaultText: './data',
    description: 'Where the embedded PostgreSQL and development-generated secrets live.',
  }),
  spec({
    key: 'log.level',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    defaultText: 'info',
    description: 'Log level of the JSON logs written to standard output.',
  }),
];

export const KEY_BY_NAME: ReadonlyMap<string, KeySpec> = new Map(
  KEYS.flatMap((k) => [k.key, ...(k.aliases ?? [])].map((name) => [name, k] as const)),
);

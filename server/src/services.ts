import { createHmac } from 'node:crypto';
import { PasswordService } from './account/password-service.ts';
import {
  createCaptchaService,
  PostgresUsedChallenges,
  type CaptchaService,
  type UsedChallenges,
} from './auth/captcha/index.ts';
import { loadBundledBlocklist } from './auth/passwords/index.ts';
import { sessionCookieFor, type SessionCookie } from './auth/sessions/http.ts';
import { SessionService } from './auth/sessions/service.ts';
import { SignInService } from './auth/sign-in/service.ts';
import { PostgresThrottleStore } from './auth/throttle/postgres-store.ts';
import type { ThrottleStore } from './auth/throttle/store.ts';
import type { WardConfig } from './config/types.ts';
import { auditKeyFrom, AuditLog, type AuditKey } from './audit/log.ts';
import { startSealer, type Sealer } from './audit/chain.ts';
import { ReauthenticationGuard } from './auth/step-up/guard.ts';
import { StepUpService } from './auth/step-up/service.ts';
import type { Database } from './db/database.ts';
import { startHousekeeping, type Housekeeping } from './housekeeping/job.ts';
import { loadTwoFactorKeyring } from './twofactor/keys.ts';
import { TwoFactorService } from './twofactor/service.ts';

/** Ward's domain services, built once at start from the configuration and handed to the routes. */
export interface Services {
  readonly config: WardConfig;
  readonly database: Database;
  readonly sessions: SessionService;
  readonly throttle: ThrottleStore;
  readonly captcha: CaptchaService;
  readonly signIn: SignInService;
  readonly passwords: PasswordService;
  readonly twoFactor: TwoFactorService;
  readonly audit: AuditLog;
  readonly stepUp: StepUpService;
  readonly cookie: SessionCookie;
  close(): Promise<void>;
}

function required(value: string | undefined, key: string): string {
  if (value === undefined) throw new Error(`${key} is not set`);
  return value;
}

/** A key for one purpose derived from `token.secret`, so no two uses share a key. */
function derivedKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`ward:${purpose}`).digest('base64url');
}

/**
 * Where redeemed ALTCHA challenges are kept, when ALTCHA is the captcha: the same store as the
 * throttle counters (Redis when `redis.url` is set, else PostgreSQL), so that every node sees them.
 */
async function usedChallengesFor(
  config: WardConfig,
  database: Database,
): Promise<UsedChallenges | undefined> {
  if (config.captcha.provider !== 'altcha') return undefined;
  if (config.redisUrl === undefined) return new PostgresUsedChallenges(database.db);
  const { RedisUsedChallenges } = await import('./auth/captcha/redis-used-challenges.ts');
  return new RedisUsedChallenges(config.redisUrl);
}

export async function createServices(
  config: WardConfig,
  database: Database,
  log: { warn(message: string): void },
): Promise<Services> {
  const tokenSecret = required(config.token.secret, 'token.secret');
  const previous = config.token.previousSecret;
  const db = database.db;
  // First, since it may refuse to start (a node with the wrong auth.2fa.password).
  const keyring = await loadTwoFactorKeyring(db, config);
  // Loaded now so that no sign-in pays for reading the list.
  loadBundledBlocklist();
  const sessions = new SessionService(
    db,
    derivedKey(tokenSecret, 'session'),
    previous && derivedKey(previous, 'session'),
  );
  // The Redis client is loaded only for a node that uses it: about 7 MB a node without it keeps.
  const throttle: ThrottleStore = config.redisUrl
    ? new (await import('./auth/throttle/redis-store.ts')).RedisThrottleStore(config.redisUrl)
    : new PostgresThrottleStore(db);
  const usedChallenges = await usedChallengesFor(config, database);
  const captcha = createCaptchaService(
    {
      provider: config.captcha.provider,
      when: config.captcha.when,
      ...(config.captcha.provider === 'recaptcha'
        ? {
            recaptcha: {
              siteKey: required(config.recaptcha.siteKey, 'google.recaptcha.site.key'),
              secretKey: required(config.recaptcha.secretKey, 'google.recaptcha.secret.key'),
              validatorUrl: config.recaptcha.validatorUrl,
            },
          }
        : {}),
      ...(config.captcha.provider === 'altcha'
        ? { altcha: { hmacKey: derivedKey(tokenSecret, 'altcha') } }
        : {}),
    },
    usedChallenges === undefined ? {} : { usedChallenges },
  );
  const deviceKeys = [
    derivedKey(tokenSecret, 'device'),
    ...(previous ? [derivedKey(previous, 'device')] : []),
  ];
  const reauthenticationGuard = new ReauthenticationGuard(throttle);
  const twoFactor = new TwoFactorService({
    db,
    keyring,
    featureEnabled: config.twoFactor.featureEnabled,
    challengeKey: derivedKey(tokenSecret, 'second-factor-challenge'),
    guard: reauthenticationGuard,
  });
  const audit = new AuditLog(db, auditKeyFrom(tokenSecret));
  const sealer: Sealer = startSealer(db, auditKeyFrom(tokenSecret), log);
  const housekeeping: Housekeeping = startHousekeeping(db, log);
  const signIn = new SignInService({ db, throttle, captcha, sessions, twoFactor, audit, deviceKeys });
  const passwords = new PasswordService({
    db,
    sessions,
    throttle,
    guard: reauthenticationGuard,
    hasSecondFactor: async (userId) => (await twoFactor.status(userId)).enabled,
    secondFactorOwed: async (userId) => {
      const status = await twoFactor.status(userId);
      return status.required && !status.enabled;
    },
  });
  return {
    config,
    database,
    sessions,
    throttle,
    captcha,
    signIn,
    passwords,
    twoFactor,
    audit,
    stepUp: new StepUpService({ db, guard: reauthenticationGuard, twoFactor }),
    cookie: sessionCookieFor(config.server.tls !== undefined),
    close: async () => {
      await housekeeping.stop();
      await sealer.stop();
      await throttle.close();
      await usedChallenges?.close();
    },
  };
}

/** The keys audit rows may carry: the current `token.secret`'s and, during a rotation, the previous one's. */
export function auditKeys(config: WardConfig): AuditKey[] {
  return [config.token.secret, config.token.previousSecret]
    .filter((s): s is string => s !== undefined)
    .map(auditKeyFrom);
}

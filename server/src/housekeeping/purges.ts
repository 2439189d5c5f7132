import { sql, type Kysely } from 'kysely';
import { KEPT_AFTER_EXPIRY_MS } from '../auth/captcha/used-challenges.ts';
import {
  BACKOFF_COUNTER_KEPT_SECONDS,
  FREE_FAILURES,
  IDLE_COUNTER_KEPT_SECONDS,
  IP_WINDOW_SECONDS,
  MAX_CONSECUTIVE_FAILURES,
} from '../auth/throttle/policy.ts';
import type { Schema } from '../db/schema.ts';

const DAY_SECONDS = 24 * 3600;

/**
 * Ended sessions are kept 30 days after their absolute expiry. They are not the record of access
 * (the audit trail and `sign_in_attempts` are, and neither is touched here): they only help trace an
 * incident noticed within the month (address, user agent, last activity, why it was revoked). Nothing
 * reads an ended session: the session check, `GET /api/me/sessions` and step-up all want live ones.
 * A revoked session goes by its expiry too, which is at most one absolute timeout (7 days at most)
 * after its revocation: one condition, one index.
 */
export const SESSIONS_KEPT_AFTER_EXPIRY_SECONDS = 30 * DAY_SECONDS;

/**
 * Set-password and reset links, used or not, are kept 30 days after they expire (24 hours after
 * being issued; a link is used or voided before then or never): only their hash is stored, and only
 * a live link is ever read.
 */
export const PASSWORD_TOKENS_KEPT_AFTER_EXPIRY_SECONDS = 30 * DAY_SECONDS;

/**
 * Two-factor sign-in challenges live 5 minutes; after that they only answer "this sign-in has
 * expired". The day kept covers any difference between the clock of the node that set the expiry
 * and the database's.
 */
export const CHALLENGES_KEPT_AFTER_EXPIRY_SECONDS = DAY_SECONDS;

// Throttle counters go by the policy's own retention (IDLE_COUNTER_KEPT_SECONDS and
// BACKOFF_COUNTER_KEPT_SECONDS in auth/throttle/policy.ts), which the Redis store applies as TTLs.

/** Rows deleted per statement: each batch is its own short transaction, holding few row locks. */
export const PURGE_BATCH = 5000;

export interface Purge {
  /** The table it deletes from, for logs and tests. */
  readonly table: keyof Schema;
  /** Deletes up to `batch` rows past retention; returns how many it deleted. */
  deleteBatch(db: Kysely<Schema>, batch: number): Promise<number>;
}

const ago = (seconds: number) => sql<Date>`now() - make_interval(secs => ${seconds})`;

// Each batch selects its rows FOR UPDATE SKIP LOCKED: a row a request is writing (a session being
// touched, a counter being claimed) is left for the next run rather than waited on, and two nodes
// purging at once take different rows. The select re-checks its condition on the row's latest
// version once locked, so a counter claimed meanwhile is no longer old and stays.

async function deleteEndedSessions(db: Kysely<Schema>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('ward.sessions')
    .where(
      'id',
      'in',
      db
        .selectFrom('ward.sessions')
        .select('id')
        .where('expires_at', '<', ago(SESSIONS_KEPT_AFTER_EXPIRY_SECONDS))
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function deleteExpiredPasswordTokens(db: Kysely<Schema>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('ward.password_tokens')
    .where(
      'token_hash',
      'in',
      db
        .selectFrom('ward.password_tokens')
        .select('token_hash')
        .where('expires_at', '<', ago(PASSWORD_TOKENS_KEPT_AFTER_EXPIRY_SECONDS))
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function deleteExpiredChallenges(db: Kysely<Schema>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('ward.second_factor_challenges')
    .where(
      'id',
      'in',
      db
        .selectFrom('ward.second_factor_challenges')
        .select('id')
        .where('expires_at', '<', ago(CHALLENGES_KEPT_AFTER_EXPIRY_SECONDS))
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function deleteExpiredAltchaSignatures(db: Kysely<Schema>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('ward.used_altcha_challenges')
    .where(
      'signature',
      'in',
      db
        .selectFrom('ward.used_altcha_challenges')
        .select('signature')
        .where('expires_at', '<=', ago(KEPT_AFTER_EXPIRY_MS / 1000))
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function deleteIdleThrottleCounters(db: Kysely<Schema>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('ward.throttle_counters')
    .where(
      'key',
      'in',
      db
        .selectFrom('ward.throttle_counters')
        .select('key')
        .where('consecutive_failures', '<', MAX_CONSECUTIVE_FAILURES)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', sql<Date>`now()`)]))
        .where(sql<boolean>`window_started_at + make_interval(secs => ${IP_WINDOW_SECONDS}) <= now()`)
        .where('updated_at', '<', ago(IDLE_COUNTER_KEPT_SECONDS))
        .where((eb) =>
          eb.or([
            eb('consecutive_failures', '<', FREE_FAILURES),
            eb('updated_at', '<', ago(BACKOFF_COUNTER_KEPT_SECONDS)),
          ]),
        )
        .limit(batch)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every purge, in the order a run takes them. */
export const PURGES: readonly Purge[] = [
  { table: 'ward.sessions', deleteBatch: deleteEndedSessions },
  { table: 'ward.password_tokens', deleteBatch: deleteExpiredPasswordTokens },
  { table: 'ward.second_factor_challenges', deleteBatch: deleteExpiredChallenges },
  { table: 'ward.used_altcha_challenges', deleteBatch: deleteExpiredAltchaSignatures },
  { table: 'ward.throttle_counters', deleteBatch: deleteIdleThrottleCounters },
];

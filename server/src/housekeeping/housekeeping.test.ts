import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { issuePasswordToken, peekPasswordToken } from '../account/password-tokens.ts';
import { KEPT_AFTER_EXPIRY_MS } from '../auth/captcha/used-challenges.ts';
import { LOCKED_FOREVER } from '../auth/throttle/policy.ts';
import { PostgresThrottleStore } from '../auth/throttle/postgres-store.ts';
import { SessionService } from '../auth/sessions/service.ts';
import type { Schema } from '../db/schema.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { purgeExpired, startHousekeeping } from './job.ts';
import { PURGES } from './purges.ts';

// Housekeeping as the server runs it: on the runtime role, against a real database. Rows past
// retention are written directly (as the owner) with the ages they would have reached; everything
// that must stay is checked through the services that use it.

let database: OpenedTestDatabase;
let db: Kysely<Schema>;
let userId: string;
const opened: Kysely<Schema>[] = [];

before(async () => {
  database = await openTestDatabase('ward-housekeeping-');
  db = database.opened.db;
  userId = randomUUID();
  await database.owner.query(
    `INSERT INTO ward.users (id, username, display_name) VALUES ($1, 'ana', 'Ana')`,
    [userId],
  );
});

after(async () => {
  for (const node of opened) await node.destroy();
  await database.close();
});

beforeEach(async () => {
  await database.owner.query(
    `TRUNCATE ward.sessions, ward.password_tokens, ward.second_factor_challenges,
              ward.throttle_counters, ward.used_altcha_challenges`,
  );
});

/** Another node: a pool of its own on the runtime role. */
function node(): Kysely<Schema> {
  const other = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool(database.opened.pool.options) }),
  });
  opened.push(other);
  return other;
}

async function count(table: string, where = 'true'): Promise<number> {
  const { rows } = await database.owner.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
  );
  return Number(rows[0]?.n);
}

/** Inserts `n` sessions that expired `daysAgo` days ago (revoked an hour after they began, if asked). */
async function endedSessions(n: number, daysAgo: number, revoked = false): Promise<void> {
  await database.owner.query(
    `INSERT INTO ward.sessions (id, secret_hash, user_id, state, created_at, last_seen_at,
                                idle_timeout_seconds, expires_at, ip, user_agent, revoked_at)
     SELECT gen_random_uuid(), sha256(gen_random_uuid()::text::bytea), $1, 'active', t - interval '12 hours',
            t - interval '12 hours', 1800, t, '10.0.0.1', 'test', CASE WHEN $3 THEN t - interval '11 hours' END
       FROM generate_series(1, $2::int), LATERAL (SELECT now() - make_interval(days => $4) AS t) x`,
    [userId, n, revoked, daysAgo],
  );
}

describe('sessions', () => {
  test('ended more than 30 days ago go; live ones and ones ended since stay, and still work', async () => {
    const sessions = new SessionService(db, 'housekeeping-test-session-key-0123456789');
    const live = await sessions.start({
      userId,
      state: 'active',
      idleTimeoutMinutes: 30,
      absoluteTimeoutMinutes: 720,
      ip: '10.0.0.2',
      userAgent: 'test',
    });
    const revokedToday = await sessions.start({
      userId,
      state: 'active',
      idleTimeoutMinutes: 30,
      absoluteTimeoutMinutes: 720,
      ip: '10.0.0.3',
      userAgent: 'test',
    });
    await sessions.revoke(revokedToday.sessionId, 'logout');
    await endedSessions(3, 31);
    await endedSessions(2, 45, true);
    await endedSessions(4, 29);
    await endedSessions(1, 29, true);

    const counts = await purgeExpired(db);

    assert.equal(counts['ward.sessions'], 5);
    assert.equal(await count('ward.sessions'), 2 + 4 + 1);
    assert.equal((await sessions.authenticate(live.token))?.sessionId, live.sessionId);
    assert.equal(await count('ward.sessions', `id = '${revokedToday.sessionId}'`), 1);
  });
});

describe('password links', () => {
  test('expired more than 30 days ago go, used or not; live and recently used ones stay', async () => {
    const liveToken = await issuePasswordToken(db, userId, 'reset');
    await database.owner.query(
      `INSERT INTO ward.password_tokens (token_hash, user_id, purpose, expires_at, used_at, created_at) VALUES
         (sha256('old unused'), $1, 'reset', now() - interval '31 days', NULL, now() - interval '32 days'),
         (sha256('old used'), $1, 'set', now() - interval '40 days', now() - interval '40 days 12 hours', now() - interval '41 days'),
         (sha256('used yesterday'), $1, 'reset', now() - interval '1 hour', now() - interval '1 day', now() - interval '25 hours'),
         (sha256('expired 29 days ago'), $1, 'reset', now() - interval '29 days', NULL, now() - interval '30 days')`,
      [userId],
    );

    const counts = await purgeExpired(db);

    assert.equal(counts['ward.password_tokens'], 2);
    assert.equal(await count('ward.password_tokens'), 3);
    assert.equal(await peekPasswordToken(db, liveToken), userId);
  });
});

describe('two-factor sign-in challenges', () => {
  test('expired more than a day ago go; live ones and ones just expired stay', async () => {
    await database.owner.query(
      `INSERT INTO ward.second_factor_challenges (id, user_id, created_at, expires_at, ip, user_agent, device_key)
       SELECT gen_random_uuid(), $1, now() - age - interval '5 minutes', now() - age, '10.0.0.1', 'test', 'device:x'
         FROM unnest(ARRAY[interval '-4 minutes', interval '1 minute', interval '23 hours',
                           interval '25 hours', interval '300 days']) AS age`,
      [userId],
    );

    const counts = await purgeExpired(db);

    assert.equal(counts['ward.second_factor_challenges'], 2);
    assert.equal(await count('ward.second_factor_challenges', `expires_at > now() - interval '1 day'`), 3);
    assert.equal(await count('ward.second_factor_challenges'), 3);
  });
});

describe('redeemed ALTCHA challenges', () => {
  test('go a minute after they expire, not before', async () => {
    const longAgo = new Date(Date.now() - KEPT_AFTER_EXPIRY_MS - 60_000);
    const justExpired = new Date(Date.now() - 1000);
    const live = new Date(Date.now() + 600_000);
    await database.owner.query(
      `INSERT INTO ward.used_altcha_challenges (signature, expires_at)
       VALUES ('long ago', $1), ('just expired', $2), ('live', $3)`,
      [longAgo, justExpired, live],
    );

    await purgeExpired(db);

    const { rows } = await database.owner.query<{ signature: string }>(
      'SELECT signature FROM ward.used_altcha_challenges ORDER BY signature',
    );
    assert.deepEqual(
      rows.map((r) => r.signature),
      ['just expired', 'live'],
    );
  });
});

describe('throttle counters', () => {
  /** A counter last touched `idle` ago (a PostgreSQL interval), its window begun then too. */
  async function counter(
    key: string,
    failures: number,
    idle: string,
    lockedUntil: Date | null = null,
  ): Promise<void> {
    await database.owner.query(
      `INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until, window_started_at, window_count, updated_at)
       VALUES ($1, $2, $3, now() - $4::interval, CASE WHEN $1 LIKE 'ip:%' THEN 7 ELSE 0 END, now() - $4::interval)`,
      [key, failures, lockedUntil, idle],
    );
  }

  test('a lock without end survives any idleness, and still locks', async () => {
    await counter('account:forever', 100, '3 years', LOCKED_FOREVER);
    await counter('account:forever-past-100', 150, '3 years', LOCKED_FOREVER);
    // Even one whose lock were somehow lifted: 100 failures are never forgotten by housekeeping.
    await counter('device:hundred-unlocked', 100, '3 years', null);

    await purgeExpired(db);

    assert.equal(await count('ward.throttle_counters'), 3);
    const state = await new PostgresThrottleStore(db).lockState('account:forever');
    assert.equal(state.failures, 100);
    assert.deepEqual(state.lockedUntil, LOCKED_FOREVER);
  });

  test('a lock in force survives, however long since the counter was written', async () => {
    await counter('account:locked', 7, '40 days', new Date(Date.now() + 10 * 60_000));

    await purgeExpired(db);

    const state = await new PostgresThrottleStore(db).lockState('account:locked');
    assert.equal(state.failures, 7);
    assert.ok(state.lockedUntil !== undefined);
  });

  test('idle counters go once their count can be forgotten; recent and backoff counters stay', async () => {
    const store = new PostgresThrottleStore(db);
    await counter('account:sprayed-2-days-ago', 1, '2 days');
    await counter('account:four-failures-2-days-ago', 4, '2 days', null);
    await counter('ip:10.9.9.9', 0, '2 days');
    await counter('account:failed-an-hour-ago', 3, '1 hour');
    await counter('ip:10.8.8.8', 0, '5 minutes');
    await counter('account:backoff-2-days-ago', 20, '2 days', new Date(Date.now() - 2 * 86_400_000));
    await counter('account:backoff-31-days-ago', 99, '31 days', new Date(Date.now() - 31 * 86_400_000));
    await store.recordFailure('account:failing-now');

    const counts = await purgeExpired(db);

    assert.equal(counts['ward.throttle_counters'], 4);
    const { rows } = await database.owner.query<{ key: string }>(
      'SELECT key FROM ward.throttle_counters ORDER BY key',
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      ['account:backoff-2-days-ago', 'account:failed-an-hour-ago', 'account:failing-now', 'ip:10.8.8.8'],
    );
    assert.equal((await store.lockState('account:backoff-2-days-ago')).failures, 20);
    assert.equal((await store.ipState('10.8.8.8')).failures, 7);
  });
});

describe('a run', () => {
  test('deletes more rows than a batch, all in one run, a batch per statement', async () => {
    await endedSessions(2_345, 60);
    await endedSessions(10, 1);

    const sessionsPurge = PURGES.find((p) => p.table === 'ward.sessions');
    assert.ok(sessionsPurge);
    const statements: number[] = [];
    const counts = await purgeExpired(db, {
      batch: 500,
      purges: [
        {
          table: 'ward.sessions',
          deleteBatch: async (on, batch) => {
            const n = await sessionsPurge.deleteBatch(on, batch);
            statements.push(n);
            return n;
          },
        },
      ],
    });

    assert.equal(counts['ward.sessions'], 2_345);
    assert.deepEqual(statements, [500, 500, 500, 500, 345]);
    assert.equal(await count('ward.sessions'), 10);
  });

  test('on two nodes at once, neither fails and together they delete each row once', async () => {
    await endedSessions(6_000, 60);
    await database.owner.query(
      `INSERT INTO ward.throttle_counters (key, consecutive_failures, updated_at, window_started_at)
       SELECT 'account:spray-' || n, 1, now() - interval '2 days', now() - interval '2 days'
         FROM generate_series(1, 6000) n`,
    );

    const runs = await Promise.all([
      purgeExpired(node(), { batch: 250 }),
      purgeExpired(node(), { batch: 250 }),
    ]);

    const deleted = (table: string): number => runs.reduce((sum, run) => sum + (run[table] ?? 0), 0);
    assert.equal(deleted('ward.sessions'), 6_000);
    assert.equal(deleted('ward.throttle_counters'), 6_000);
    assert.equal(await count('ward.sessions'), 0);
    assert.equal(await count('ward.throttle_counters'), 0);
  });

  test('runs as the runtime role, which may delete these rows and still not audit rows', async () => {
    const { rows } = await database.opened.pool.query<{ user: string; audit: boolean; seals: boolean }>(
      `SELECT current_user AS user,
              has_table_privilege('ward.audit_events', 'DELETE') AS audit,
              has_table_privilege('ward.audit_seals', 'DELETE') AS seals`,
    );
    assert.deepEqual(rows, [{ user: database.database.runtimeRole, audit: false, seals: false }]);
    await endedSessions(3, 60);
    await database.owner.query(
      `INSERT INTO ward.throttle_counters (key, consecutive_failures, updated_at, window_started_at)
       VALUES ('account:old', 1, now() - interval '2 days', now() - interval '2 days')`,
    );

    const counts = await purgeExpired(db);

    assert.equal(counts['ward.sessions'], 3);
    assert.equal(counts['ward.throttle_counters'], 1);
  });

  test('the job purges on its interval, and stops', async () => {
    await endedSessions(3, 60);
    const warnings: string[] = [];
    const job = startHousekeeping(db, { warn: (m) => warnings.push(m) }, 20);
    try {
      for (let i = 0; i < 100 && (await count('ward.sessions')) > 0; i++) await sleep(20);
    } finally {
      await job.stop();
    }
    assert.equal(await count('ward.sessions'), 0);
    assert.deepEqual(warnings, []);
  });
});

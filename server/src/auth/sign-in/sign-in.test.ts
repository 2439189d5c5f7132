import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import type { Schema } from '../../db/schema.ts';
import type { WardApp } from '../../http/types.ts';
import { startWard, type RunningWard } from '../../../test/harness.ts';
import { bearer, cookieValue, errorCode, login, setCookieLine, signIn } from '../../../test/sign-in.ts';
import { createTestUser, ownerDb, uniqueUsername } from '../../../test/users.ts';

// Sign-in as an attacker sees it: guessing is slowed down per account and per address, the answers
// do not tell accounts apart, and the lock cannot be turned against the real user.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

let addressCounter = 0;
/** A client address of its own for each use, so that per-address counters of tests do not add up. */
function freshAddress(): string {
  addressCounter += 1;
  return `198.51.100.${addressCounter}`;
}

async function lockRow(
  key: string,
): Promise<{ failures: number; lockedForSeconds: number | null } | undefined> {
  const row = await db
    .selectFrom('ward.throttle_counters')
    .select([
      'consecutive_failures',
      sql<number | null>`extract(epoch from locked_until - now())::float8`.as('locked_for'),
    ])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { failures: row.consecutive_failures, lockedForSeconds: row.locked_for };
}

/** Moves the clock past the account's current lock. */
async function waitOutLock(key: string): Promise<void> {
  await sql`UPDATE ward.throttle_counters SET locked_until = now() - interval '1 second' WHERE key = ${key}`.execute(
    db,
  );
}

function comparable(response: LightMyRequestResponse): unknown {
  // Everything but the Date header, which differs by the second.
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => name !== 'date'));
  return { status: response.statusCode, headers, body: response.json<unknown>() };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

describe('sign-in answers', () => {
  test('are the same for an unknown user, a wrong password, a disabled account and a locked account, real or not', async () => {
    const user = await createTestUser(db);
    const disabled = await createTestUser(db);
    await db
      .updateTable('ward.users')
      .set({ disabled_at: new Date() })
      .where('id', '=', disabled.id)
      .execute();
    const locked = await createTestUser(db);
    const lockedNobody = uniqueUsername('nobody');
    for (const username of [locked.username, lockedNobody]) {
      await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until)
                VALUES (${`account:${username}`}, 5, now() + interval '1 minute')`.execute(db);
    }
    const remoteAddress = freshAddress();

    const wrongPassword = await login(app, {
      username: user.username,
      password: 'not the password at all',
      remoteAddress,
    });
    const unknownUser = await login(app, {
      username: uniqueUsername('nobody'),
      password: 'not the password at all',
      remoteAddress,
    });
    // The disabled and the locked account are given their right passwords: still nothing to tell.
    const disabledAccount = await login(app, {
      username: disabled.username,
      password: disabled.password,
      remoteAddress,
    });
    const lockedAccount = await login(app, {
      username: locked.username,
      password: locked.password,
      remoteAddress,
    });

    // Whether a locked name belongs to anyone is not told either.
    const lockedUnknownUser = await login(app, {
      username: lockedNobody,
      password: 'not the password at all',
      remoteAddress,
    });

    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(errorCode(wrongPassword), 'invalid_credentials');
    assert.equal(wrongPassword.headers['set-cookie'], undefined);
    assert.deepEqual(comparable(unknownUser), comparable(wrongPassword));
    assert.deepEqual(comparable(disabledAccount), comparable(wrongPassword));
    assert.deepEqual(comparable(lockedAccount), comparable(wrongPassword));
    assert.deepEqual(comparable(lockedUnknownUser), comparable(wrongPassword));
  });

  test('take as long for an unknown user and a locked account, real or not, as for a wrong password', async () => {
    const user = await createTestUser(db);
    const locked = await createTestUser(db);
    const lockedNobody = uniqueUsername('nobody');
    for (const username of [locked.username, lockedNobody]) {
      await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until)
                VALUES (${`account:${username}`}, 5, now() + interval '1 hour')`.execute(db);
    }
    const remoteAddress = freshAddress();
    const accountKey = `account:${user.username}`;
    const time = async (username: string): Promise<number> => {
      const start = performance.now();
      const response = await login(app, {
        username,
        password: 'a wrong guess of some length',
        remoteAddress,
      });
      const elapsed = performance.now() - start;
      assert.equal(response.statusCode, 401);
      return elapsed;
    };
    // Warm-up: the first of each path may pay for one-time work.
    await time(user.username);
    await time(uniqueUsername('nobody'));
    await time(locked.username);
    await time(lockedNobody);
    const wrong: number[] = [];
    const others = {
      'unknown user': [] as number[],
      'locked account': [] as number[],
      'locked unknown user': [] as number[],
    };
    for (let i = 0; i < 10; i += 1) {
      // Keep the account below its backoff so every attempt really checks the password.
      await db.deleteFrom('ward.throttle_counters').where('key', '=', accountKey).execute();
      wrong.push(await time(user.username));
      others['unknown user'].push(await time(uniqueUsername('nobody')));
      others['locked account'].push(await time(locked.username));
      others['locked unknown user'].push(await time(lockedNobody));
    }
    for (const [what, times] of Object.entries(others)) {
      const ratio = median(times) / median(wrong);
      assert.ok(
        ratio > 0.5 && ratio < 2,
        `${what} ${median(times).toFixed(1)} ms vs wrong password ${median(wrong).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`,
      );
    }
  });
});

describe('account backoff', () => {
  test('lets four failures pass without a lock', async () => {
    const user = await createTestUser(db);
    const remoteAddress = freshAddress();
    for (let i = 0; i < 4; i += 1) {
      assert.equal(
        (await login(app, { username: user.username, password: `guess ${i}`, remoteAddress })).statusCode,
        401,
      );
    }
    assert.equal((await lockRow(`account:${user.username}`))?.lockedForSeconds, null);
    await signIn(app, { username: user.username, password: user.password, remoteAddress });
    assert.equal(await lockRow(`account:${user.username}`), undefined, 'a success clears the failures');
  });

  test('locks after five failures, doubles the wait after the next, and lets the user in once it is over', async () => {
    const user = await createTestUser(db);
    const key = `account:${user.username}`;
    const remoteAddress = freshAddress();
    for (let i = 0; i < 5; i += 1) {
      const response = await login(app, { username: user.username, password: `guess ${i}`, remoteAddress });
      assert.equal(errorCode(response), 'invalid_credentials');
    }
    const first = await lockRow(key);
    assert.equal(first?.failures, 5);
    assert.ok(first.lockedForSeconds !== null && first.lockedForSeconds > 50 && first.lockedForSeconds <= 60);

    // Locked: even the right password is refused, and the refusal is not counted as a new failure.
    const refused = await login(app, { username: user.username, password: user.password, remoteAddress });
    assert.equal(refused.statusCode, 401);
    assert.equal(errorCode(refused), 'invalid_credentials');
    assert.equal((await lockRow(key))?.failures, 5);

    await waitOutLock(key);
    assert.equal(
      (await login(app, { username: user.username, password: 'guess 5', remoteAddress })).statusCode,
      401,
    );
    const second = await lockRow(key);
    assert.equal(second?.failures, 6);
    assert.ok(
      second.lockedForSeconds !== null && second.lockedForSeconds > 110 && second.lockedForSeconds <= 120,
    );
    assert.equal(
      (await login(app, { username: user.username, password: user.password, remoteAddress })).statusCode,
      401,
    );

    await waitOutLock(key);
    const session = await signIn(app, { username: user.username, password: user.password, remoteAddress });
    assert.equal(session.state, 'active');
    assert.equal(await lockRow(key), undefined, 'a success clears the lock');
  });

  test('a burst of parallel guesses gets no more tries than the same guesses one after another', async () => {
    const user = await createTestUser(db);
    const remoteAddress = freshAddress();
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        login(app, { username: user.username, password: `guess ${i}`, remoteAddress }),
      ),
    );
    for (const response of burst) assert.equal(errorCode(response), 'invalid_credentials');
    const outcomes = await db
      .selectFrom('ward.sign_in_attempts')
      .select('outcome')
      .where('username', '=', user.username)
      .execute();
    const checked = outcomes.filter((o) => o.outcome === 'wrong_password').length;
    assert.equal(outcomes.length, 20);
    assert.ok(checked <= 5, `${checked} of 20 parallel guesses had their password checked`);
    assert.equal(
      errorCode(await login(app, { username: user.username, password: user.password, remoteAddress })),
      'invalid_credentials',
    );
  });

  test('cannot lock the real user out: the device cookie of an earlier sign-in still gets in', async () => {
    const victim = await createTestUser(db);
    const mallory = await createTestUser(db);
    const earlier = await signIn(app, {
      username: victim.username,
      password: victim.password,
      remoteAddress: freshAddress(),
    });
    const attackerOwnDevice = await signIn(app, { username: mallory.username, password: mallory.password });

    const strangerAddress = freshAddress();
    for (let i = 0; i < 5; i += 1) {
      await login(app, { username: victim.username, password: `guess ${i}`, remoteAddress: strangerAddress });
    }
    // Locked for strangers: the right password alone, or with a device cookie made for another
    // account, gets nowhere.
    assert.equal(
      (
        await login(app, {
          username: victim.username,
          password: victim.password,
          remoteAddress: strangerAddress,
        })
      ).statusCode,
      401,
    );
    const borrowedCookie = await login(app, {
      username: victim.username,
      password: victim.password,
      remoteAddress: strangerAddress,
      cookies: { ward_device: attackerOwnDevice.deviceToken },
    });
    assert.equal(borrowedCookie.statusCode, 401);
    const forgedCookie = await login(app, {
      username: victim.username,
      password: victim.password,
      remoteAddress: strangerAddress,
      cookies: { ward_device: `${earlier.deviceToken.split('.')[0] ?? ''}.${'A'.repeat(43)}` },
    });
    assert.equal(forgedCookie.statusCode, 401);

    // The real user, from the browser they signed in with before, gets in.
    const again = await signIn(app, {
      username: victim.username,
      password: victim.password,
      remoteAddress: freshAddress(),
      cookies: { ward_device: earlier.deviceToken },
    });
    assert.equal(again.state, 'active');
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(again.token) });
    assert.equal(me.statusCode, 200);
  });

  test('a device cookie gets its own backoff, so a stolen one does not allow unlimited guessing', async () => {
    const user = await createTestUser(db);
    const earlier = await signIn(app, { username: user.username, password: user.password });
    const remoteAddress = freshAddress();
    for (let i = 0; i < 5; i += 1) {
      await login(app, {
        username: user.username,
        password: `guess ${i}`,
        remoteAddress,
        cookies: { ward_device: earlier.deviceToken },
      });
    }
    const withDevice = await login(app, {
      username: user.username,
      password: user.password,
      remoteAddress,
      cookies: { ward_device: earlier.deviceToken },
    });
    assert.equal(withDevice.statusCode, 401);
    assert.equal(errorCode(withDevice), 'invalid_credentials');
  });
});

describe('address ceiling', () => {
  test('answers 429 with Retry-After once one address has failed 100 times in the window', async () => {
    const user = await createTestUser(db);
    const remoteAddress = '203.0.113.77';
    // 99 failures already counted in this window (as if guessed at many accounts).
    await sql`INSERT INTO ward.throttle_counters (key, window_count, window_started_at)
              VALUES (${`ip:${remoteAddress}`}, 99, now() - interval '5 minutes')`.execute(db);
    const hundredth = await login(app, {
      username: uniqueUsername('spray'),
      password: 'Summer2024!',
      remoteAddress,
    });
    assert.equal(hundredth.statusCode, 401);

    const refused = await login(app, { username: user.username, password: user.password, remoteAddress });
    assert.equal(refused.statusCode, 429);
    assert.equal(errorCode(refused), 'too_many_requests');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 500 && retryAfter <= 600,
      `Retry-After ${retryAfter}`,
    );
    assert.equal(refused.headers['set-cookie'], undefined);

    // Other addresses are not affected, and the ceiling lifts when the window ends.
    await signIn(app, { username: user.username, password: user.password, remoteAddress: freshAddress() });
    await sql`UPDATE ward.throttle_counters SET window_started_at = now() - interval '15 minutes 1 second'
              WHERE key = ${`ip:${remoteAddress}`}`.execute(db);
    await signIn(app, { username: user.username, password: user.password, remoteAddress });
  });
  test('a burst of parallel guesses from one address cannot overshoot the ceiling', async () => {
    const remoteAddress = '203.0.113.78';
    await sql`INSERT INTO ward.throttle_counters (key, window_count) VALUES (${`ip:${remoteAddress}`}, 95)`.execute(
      db,
    );
    const burst = await Promise.all(
      Array.from({ length: 20 }, () =>
        login(app, { username: uniqueUsername('spray'), password: 'Autumn2024!', remoteAddress }),
      ),
    );
    const checked = burst.filter((r) => r.statusCode === 401).length;
    assert.ok(checked <= 5, `${checked} of 20 parallel guesses were checked past the ceiling`);
    assert.equal(burst.filter((r) => r.statusCode === 429).length, 20 - checked);
  });
});

describe('what a successful sign-in hands out', () => {
  test('over plain HTTP (development): ward_session, HttpOnly, SameSite=Strict, Path=/, no token in the body', async () => {
    const user = await createTestUser(db);
    const response = await login(app, { username: user.username, password: user.password });
    assert.equal(response.statusCode, 200);
    assert.equal(
      response.json<{ token?: string }>().token,
      undefined,
      'cookie delivery puts no token in the body',
    );
    const line = setCookieLine(response, 'ward_session');
    assert.ok(line, 'the session cookie is set');
    const attributes = line.split(';').map((a) => a.trim().toLowerCase());
    for (const required of ['httponly', 'samesite=strict', 'path=/']) {
      assert.ok(attributes.includes(required), `${required} missing from ${line}`);
    }
    assert.ok(!attributes.some((a) => a.startsWith('domain=')), 'no Domain: the cookie stays on this host');
    const device = setCookieLine(response, 'ward_device')?.toLowerCase() ?? '';
    assert.match(device, /httponly/);
    assert.match(device, /samesite=strict/);
    assert.match(device, /path=\/api\/auth\//);

    const token = cookieValue(response, 'ward_session') ?? '';
    const me = await app.inject({ method: 'GET', url: '/api/me', cookies: { ward_session: token } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json<{ user: { username: string } }>().user.username, user.username);
  });

  test('the token in the body only when the client asks for bearer delivery', async () => {
    const user = await createTestUser(db);
    const response = await login(app, {
      username: user.username,
      password: user.password,
      tokenDelivery: 'bearer',
    });
    const { token } = response.json<{ token: string }>();
    assert.equal(token, cookieValue(response, 'ward_session'));
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode,
      200,
    );
  });
});

describe('what is accepted and recorded', () => {
  test('accepts passwords of 64 characters and more (NIST)', async () => {
    for (const length of [64, 128]) {
      const password = 'correct horse battery staple '.repeat(8).slice(0, length);
      assert.equal(password.length, length);
      const user = await createTestUser(db, { password });
      const session = await signIn(app, { username: user.username, password });
      assert.equal(session.state, 'active');
    }
  });

  test('usernames match whatever their case and surrounding spaces', async () => {
    const user = await createTestUser(db);
    await signIn(app, { username: `  ${user.username.toUpperCase()} `, password: user.password });
  });

  test('records every attempt with address, user agent and outcome', async () => {
    const user = await createTestUser(db);
    const unknown = uniqueUsername('nobody');
    await login(app, {
      username: user.username,
      password: 'wrong one',
      remoteAddress: '192.0.2.1',
      userAgent: 'Agent One',
    });
    await login(app, {
      username: unknown,
      password: 'wrong two',
      remoteAddress: '192.0.2.2',
      userAgent: 'Agent Two',
    });
    await signIn(app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.3',
      userAgent: 'Agent Three',
    });
    await sql`INSERT INTO ward.throttle_counters (key, consecutive_failures, locked_until)
              VALUES (${`account:${user.username}`}, 5, now() + interval '1 minute')`.execute(db);
    await login(app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.4',
      userAgent: 'Agent Four',
    });
    await sql`INSERT INTO ward.throttle_counters (key, window_count) VALUES ('ip:192.0.2.5', 100)`.execute(
      db,
    );
    await login(app, {
      username: user.username,
      password: user.password,
      remoteAddress: '192.0.2.5',
      userAgent: 'Agent Five',
    });

    const rows = await db
      .selectFrom('ward.sign_in_attempts')
      .select(['username', 'user_id', 'ip', 'user_agent', 'outcome'])
      .where('username', 'in', [user.username, unknown])
      .orderBy('at')
      .orderBy('id')
      .execute();
    assert.deepEqual(rows, [
      {
        username: user.username,
        user_id: user.id,
        ip: '192.0.2.1',
        user_agent: 'Agent One',
        outcome: 'wrong_password',
      },
      { username: unknown, user_id: null, ip: '192.0.2.2', user_agent: 'Agent Two', outcome: 'unknown_user' },
      {
        username: user.username,
        user_id: user.id,
        ip: '192.0.2.3',
        user_agent: 'Agent Three',
        outcome: 'success',
      },
      {
        username: user.username,
        user_id: user.id,
        ip: '192.0.2.4',
        user_agent: 'Agent Four',
        outcome: 'throttled',
      },
      // The address's ceiling refuses before any account is looked at.
      {
        username: user.username,
        user_id: null,
        ip: '192.0.2.5',
        user_agent: 'Agent Five',
        outcome: 'ip_throttled',
      },
    ]);
  });
  test('a refused attempt is stored with its audit row or not at all', async () => {
    const user = await createTestUser(db);
    // The audit trail refuses the row (as a full disk or a broken grant would): the attempt must not
    // stay recorded without it.
    await sql`REVOKE INSERT ON ward.audit_events FROM ${sql.id(ward.database.runtimeRole)}`.execute(db);
    let response: LightMyRequestResponse;
    try {
      response = await login(app, { username: user.username, password: 'wrong one' });
    } finally {
      await sql`GRANT INSERT ON ward.audit_events TO ${sql.id(ward.database.runtimeRole)}`.execute(db);
    }
    assert.equal(response.statusCode >= 500, true, `status ${response.statusCode}`);
    const attempts = await db
      .selectFrom('ward.sign_in_attempts')
      .select('outcome')
      .where('username', '=', user.username)
      .execute();
    assert.deepEqual(attempts, []);

    // With the trail writable again, both are stored.
    await login(app, { username: user.username, password: 'wrong one' });
    const stored = await db
      .selectFrom('ward.sign_in_attempts as a')
      .innerJoin('ward.audit_events as e', (join) =>
        join.onRef('e.actor_id', '=', 'a.user_id').on('e.action', '=', 'auth.sign_in_failed'),
      )
      .select(['a.outcome', 'e.reason'])
      .where('a.username', '=', user.username)
      .execute();
    assert.deepEqual(stored, [{ outcome: 'wrong_password', reason: 'wrong_password' }]);
  });
});

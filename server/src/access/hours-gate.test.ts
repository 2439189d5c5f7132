import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createInstitution } from '../identity/store.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, errorCode, login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, uniqueUsername, type TestUser } from '../../test/users.ts';
import type { AccessHours } from './hours.ts';

// Access hours as a member meets them over HTTP: sign-in refused outside them (but only after the
// password, so the hours give nothing away to someone guessing), a session that ends when its window
// closes, and a member of two institutions in two time zones who may use Ward while either allows but
// each institution only within its own hours. The clock is Ward's real one: every window is set
// relative to the current local time of the institution's zone.

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

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

/** The current minute of the day on the wall clocks of `timeZone`. */
function localMinuteNow(timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return part('hour') * 60 + part('minute');
}

function hhmm(minuteOfDay: number): string {
  const m = ((minuteOfDay % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Every day, from `fromMinutes` to `toMinutes` relative to now, on the zone's wall clock. */
function windowFromNow(timeZone: string, fromMinutes: number, toMinutes: number): AccessHours {
  const now = localMinuteNow(timeZone);
  return {
    mode: 'within',
    windows: [{ days: EVERY_DAY, start: hhmm(now + fromMinutes), end: hhmm(now + toMinutes) }],
  };
}

/** Hours that include the present moment, with an hour to spare on either side. */
const insideNow = (timeZone: string): AccessHours => windowFromNow(timeZone, -60, 60);
/** Hours that start three hours from now: the present is outside them. */
const outsideNow = (timeZone: string): AccessHours => windowFromNow(timeZone, 180, 240);

async function clinic(timeZone: string): Promise<string> {
  return (await createInstitution(db, { name: `Clinic ${randomBytes(4).toString('hex')}`, timeZone })).id;
}

async function setHours(user: TestUser, institutionId: string, hours: AccessHours): Promise<void> {
  const result = await db
    .updateTable('ward.memberships')
    .set({ access_hours: JSON.stringify(hours) })
    .where('user_id', '=', user.id)
    .where('institution_id', '=', institutionId)
    .executeTakeFirst();
  assert.equal(result.numUpdatedRows, 1n);
}

async function member(institutionId: string): Promise<TestUser> {
  return createTestUser(db, { institution: institutionId, roles: ['doctor'] });
}

function me(token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
}

function patients(token: string, institutionId: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `/api/institutions/${institutionId}/patients?q=a`,
    headers: bearer(token),
  });
}

async function sessionRow(
  userId: string,
): Promise<{ revoked_at: Date | null; revoked_reason: string | null }> {
  return db
    .selectFrom('ward.sessions')
    .select(['revoked_at', 'revoked_reason'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

describe('a session', () => {
  test('ends when its window closes: refused with outside_access_hours, then unknown', async () => {
    const iid = await clinic('Asia/Tokyo');
    const user = await member(iid);
    await setHours(user, iid, insideNow('Asia/Tokyo'));
    const { token } = await signIn(app, user);
    assert.equal((await me(token)).statusCode, 200);
    assert.equal((await patients(token, iid)).statusCode, 200);

    // The window moves on (as the clock would move past its end).
    await setHours(user, iid, outsideNow('Asia/Tokyo'));
    const refused = await me(token);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(errorCode(refused), 'outside_access_hours');
    const row = await sessionRow(user.id);
    assert.ok(row.revoked_at, 'the session is revoked, not merely refused');
    assert.equal(row.revoked_reason, 'outside_hours');

    const next = await me(token);
    assert.equal(next.statusCode, 401, next.body);
    assert.equal(errorCode(next), 'unauthenticated');
    // Reopening the hours does not bring the old session back: the member signs in again.
    await setHours(user, iid, { mode: 'always' });
    assert.equal((await me(token)).statusCode, 401);
    assert.equal((await me((await signIn(app, user)).token)).statusCode, 200);
  });

  test('says when access will end, to the minute, while a window is open', async () => {
    const iid = await clinic('Asia/Tokyo');
    const user = await member(iid);
    const { token } = await signIn(app, user);
    const always = await me(token);
    assert.equal(always.json<{ accessEndsAt: string | null }>().accessEndsAt, null);

    const startOfMinute = Math.floor(Date.now() / 60_000) * 60_000;
    await setHours(user, iid, insideNow('Asia/Tokyo'));
    const response = await me(token);
    assert.equal(response.statusCode, 200, response.body);
    // Tokyo has no daylight saving: the window's end is exactly an hour after this minute.
    assert.equal(
      response.json<{ accessEndsAt: string | null }>().accessEndsAt,
      new Date(startOfMinute + 60 * 60_000).toISOString(),
    );
  });
});

describe('sign-in outside access hours', () => {
  test('is refused after the password with outside_access_hours, and opens no session', async () => {
    const iid = await clinic('Europe/Madrid');
    const user = await member(iid);
    await setHours(user, iid, outsideNow('Europe/Madrid'));
    const response = await login(app, {
      username: user.username,
      password: user.password,
      tokenDelivery: 'bearer',
    });
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(errorCode(response), 'outside_access_hours');
    assert.equal(response.json<{ token?: string }>().token, undefined);
    assert.equal(
      response.cookies.find((c) => c.name.endsWith('ward_session')),
      undefined,
      'no session cookie',
    );
    const sessions = await db
      .selectFrom('ward.sessions')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(sessions.length, 0);
    const attempt = await db
      .selectFrom('ward.sign_in_attempts')
      .select('outcome')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(attempt.outcome, 'outside_hours');

    await setHours(user, iid, insideNow('Europe/Madrid'));
    await signIn(app, user);
  });

  test('with a wrong password gets exactly what any wrong password gets: the hours reveal nothing', async () => {
    const iid = await clinic('Europe/Madrid');
    const restricted = await member(iid);
    const unrestricted = await member(iid);
    await setHours(restricted, iid, outsideNow('Europe/Madrid'));
    const wrong = (username: string) => login(app, { username, password: 'Not the password at all 123' });

    const outsideHours = await wrong(restricted.username);
    const insideHours = await wrong(unrestricted.username);
    const unknown = await wrong(uniqueUsername('nobody'));
    assert.equal(outsideHours.statusCode, 401, outsideHours.body);
    assert.equal(errorCode(outsideHours), 'invalid_credentials');
    assert.deepEqual(outsideHours.json(), insideHours.json());
    assert.deepEqual(outsideHours.json(), unknown.json());
    assert.equal(outsideHours.statusCode, insideHours.statusCode);
  });

  test('counts only live memberships: a disabled one that would allow it does not', async () => {
    const open = await clinic('UTC');
    const closed = await clinic('UTC');
    const user = await member(open);
    await db
      .insertInto('ward.memberships')
      .values((eb) => ({
        institution_id: closed,
        user_id: user.id,
        roles: ['doctor'],
        security_level_id: eb
          .selectFrom('ward.security_levels')
          .select('id')
          .where('institution_id', '=', closed)
          .where('name', '=', 'Standard'),
        access_hours: JSON.stringify(outsideNow('UTC')),
      }))
      .execute();
    await db
      .updateTable('ward.memberships')
      .set({ disabled_at: new Date() })
      .where('user_id', '=', user.id)
      .where('institution_id', '=', open)
      .execute();
    const response = await login(app, { username: user.username, password: user.password });
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(errorCode(response), 'outside_access_hours');
  });
});

describe('a member of two institutions in two time zones', () => {
  test('may use Ward while either allows, but each institution only within its own hours', async () => {
    const tokyo = await clinic('Asia/Tokyo');
    const newYork = await clinic('America/New_York');
    const user = await member(tokyo);
    await db
      .insertInto('ward.memberships')
      .values((eb) => ({
        institution_id: newYork,
        user_id: user.id,
        roles: ['doctor'],
        security_level_id: eb
          .selectFrom('ward.security_levels')
          .select('id')
          .where('institution_id', '=', newYork)
          .where('name', '=', 'Standard'),
      }))
      .execute();
    // The same wall-clock hours in both: they include this moment in Tokyo, which is 13 or 14 hours
    // ahead of New York, where the same hours are therefore far from now.
    const hours = insideNow('Asia/Tokyo');
    await setHours(user, tokyo, hours);
    await setHours(user, newYork, hours);

    const { token } = await signIn(app, user);
    assert.equal((await me(token)).statusCode, 200);
    assert.equal((await patients(token, tokyo)).statusCode, 200);
    const refused = await patients(token, newYork);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(errorCode(refused), 'outside_access_hours');
    // Being refused by one institution does not end the session that another still allows.
    assert.equal((await me(token)).statusCode, 200);
    assert.equal((await patients(token, tokyo)).statusCode, 200);

    // When the Tokyo window closes as well, nothing allows access any more: the session ends.
    await setHours(user, tokyo, outsideNow('Asia/Tokyo'));
    const closed = await patients(token, tokyo);
    assert.equal(closed.statusCode, 403);
    assert.equal(errorCode(closed), 'outside_access_hours');
    assert.equal((await me(token)).statusCode, 401);
  });
});

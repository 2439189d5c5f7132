import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { addMembership } from '../identity/store.ts';
import { createPatient, signedInMember, type Member } from '../patients/test-support.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { login, signIn } from '../../test/sign-in.ts';
import { createTestUser, ownerDb, type TestUser } from '../../test/users.ts';
import { AuditLog, auditKeyFrom } from './log.ts';

// An institution investigating a compromised account needs that account's sign-ins, failed
// sign-ins and revoked sessions. Sign-ins are recorded with no institution (they happen before one
// is chosen), so the institution's trail adds the account-level events of its own members, from
// the moment they joined, former members included; never those of anyone else, and never another
// institution's events.

const tokenSecret = randomBytes(32).toString('base64url');
let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;

before(async () => {
  ward = await startWard({ properties: { 'token.secret': tokenSecret } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

interface Item {
  id: string;
  occurredAt: string;
  institutionId: string | null;
  actorId: string | null;
  actorUsername: string | null;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  reason: string | null;
}

interface Page {
  items: Item[];
  nextBefore: string | null;
}

/** The trail as `reader` sees it through the API, with these query parameters. */
async function trailOf(reader: Member, query = ''): Promise<Page> {
  const response = await reader.request('GET', `/audit?limit=500${query === '' ? '' : `&${query}`}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Page>();
}

/** Each item as "action by username", to compare what a reader sees in one line. */
const described = (items: readonly Item[]): string[] =>
  items.map((i) => `${i.action} by ${i.actorUsername ?? '(nobody)'}`);

/** Where each test's sign-ins come from, so that no test's failures lock another's address. */
let nextAddress = 10;
const address = (): string => `203.0.113.${String(nextAddress++)}`;

describe("an institution's trail and its members' account-level events", () => {
  let auditorA: Member;
  let adminA: Member;
  let memberA: Member;
  let memberB: Member;
  let auditorB: Member;
  let memberOfBoth: TestUser;
  let outsider: TestUser;
  const unknownUsername = `nobody.${randomBytes(4).toString('hex')}`;
  let patientInB = '';

  before(async () => {
    memberA = await signedInMember(app, db, true, ['doctor']);
    const a = memberA.institutionId;
    auditorA = await signedInMember(app, db, a, ['auditor']);
    adminA = await signedInMember(app, db, a, ['institution_admin']);
    memberB = await signedInMember(app, db, true, ['doctor']);
    const b = memberB.institutionId;
    auditorB = await signedInMember(app, db, b, ['auditor']);
    memberOfBoth = await createTestUser(db, { institution: a, roles: ['nurse'] });
    await addMembership(db, {
      institutionId: b,
      userId: memberOfBoth.id,
      roles: ['nurse'],
      levelName: 'Standard',
    });
    outsider = await createTestUser(db);

    // The member of A: a wrong password, then the right one.
    const from = address();
    const failed = await login(app, {
      username: memberA.user.username,
      password: 'not the password',
      remoteAddress: from,
    });
    assert.equal(failed.statusCode, 401);
    await signIn(app, {
      username: memberA.user.username,
      password: memberA.user.password,
      remoteAddress: from,
    });
    // A's administrator ends every session of theirs.
    const revoked = await adminA.request('POST', `/admin/users/${memberA.user.id}/sessions/revoke`);
    assert.equal(revoked.statusCode, 200, revoked.body);
    // Everyone else: someone in both institutions, someone in no institution, a username nobody has.
    await signIn(app, {
      username: memberOfBoth.username,
      password: memberOfBoth.password,
      remoteAddress: address(),
    });
    await signIn(app, { username: outsider.username, password: outsider.password, remoteAddress: address() });
    const unknown = await login(app, {
      username: unknownUsername,
      password: 'whatever it is',
      remoteAddress: address(),
    });
    assert.equal(unknown.statusCode, 401);
    // B's own business.
    patientInB = (await createPatient(memberB)).id;
  });

  test("A's auditor sees the member's sign-in, failed sign-in and revoked sessions, as account events", async () => {
    const { items } = await trailOf(auditorA);
    const ofMember = items.filter((i) => i.actorId === memberA.user.id || i.targetId === memberA.user.id);
    assert.deepEqual(described(ofMember.filter((i) => i.action.startsWith('auth.'))), [
      `auth.sign_in by ${memberA.user.username}`,
      `auth.sign_in_failed by ${memberA.user.username}`,
      // signedInMember's own sign-in.
      `auth.sign_in by ${memberA.user.username}`,
    ]);
    const failure = ofMember.find((i) => i.action === 'auth.sign_in_failed');
    assert.equal(failure?.outcome, 'failure');
    assert.equal(failure.reason, 'wrong_password');
    assert.equal(failure.institutionId, null, 'an account-level event says it belongs to no institution');
    const revocation = ofMember.find((i) => i.action === 'admin.sessions.revoke');
    assert.equal(revocation?.actorId, adminA.user.id);
    assert.equal(revocation.institutionId, memberA.institutionId);
  });

  test("A's auditor sees the sign-ins of someone who is also on B's staff", async () => {
    const { items } = await trailOf(auditorA, 'action=auth.sign_in');
    assert.ok(items.some((i) => i.actorId === memberOfBoth.id));
  });

  test("A's auditor sees no sign-in of anyone outside A, nor any of B's events", async () => {
    const { items } = await trailOf(auditorA);
    const strangers = [memberB.user.username, auditorB.user.username, outsider.username, unknownUsername];
    assert.deepEqual(
      items.filter((i) => strangers.includes(i.actorUsername ?? '')),
      [],
    );
    assert.deepEqual(
      items.filter((i) => i.institutionId !== null && i.institutionId !== memberA.institutionId),
      [],
    );
    assert.ok(!JSON.stringify(items).includes(patientInB));
  });

  test("B's auditor sees B's members' sign-ins, and none of A's member", async () => {
    const { items } = await trailOf(auditorB, 'action=auth.sign_in');
    const who = new Set(items.map((i) => i.actorId));
    assert.ok(who.has(memberB.user.id));
    assert.ok(who.has(memberOfBoth.id));
    assert.ok(!who.has(memberA.user.id));
    const all = await trailOf(auditorB);
    assert.deepEqual(
      all.items.filter((i) => i.actorId === memberA.user.id || i.targetId === memberA.user.id),
      [],
    );
  });

  test('the action filter picks sign-ins out of the union, for members only', async () => {
    const signIns = await trailOf(auditorA, 'action=auth.sign_in');
    assert.ok(signIns.items.length >= 5, described(signIns.items).join('\n'));
    assert.ok(signIns.items.every((i) => i.action === 'auth.sign_in'));
    assert.ok(signIns.items.some((i) => i.actorId === memberA.user.id));
    const failures = await trailOf(auditorA, 'action=auth.sign_in_failed');
    assert.deepEqual(described(failures.items), [`auth.sign_in_failed by ${memberA.user.username}`]);
  });

  test('the user filter gives one member their own events, and a stranger nothing', async () => {
    const own = await trailOf(auditorA, `actor=${memberA.user.id}`);
    assert.ok(own.items.every((i) => i.actorId === memberA.user.id));
    assert.deepEqual([...new Set(own.items.map((i) => i.action))].sort(), [
      'auth.sign_in',
      'auth.sign_in_failed',
    ]);
    assert.deepEqual((await trailOf(auditorA, `actor=${memberB.user.id}`)).items, []);
    assert.deepEqual((await trailOf(auditorA, `actor=${outsider.id}`)).items, []);
  });

  test('a time range cuts through both kinds of event', async () => {
    const { items } = await trailOf(auditorA);
    const failure = items.find((i) => i.action === 'auth.sign_in_failed');
    assert.ok(failure);
    // The database keeps microseconds; the API says milliseconds.
    const at = encodeURIComponent(failure.occurredAt);
    const next = encodeURIComponent(new Date(Date.parse(failure.occurredAt) + 1).toISOString());
    const within = await trailOf(auditorA, `from=${at}&to=${next}`);
    assert.deepEqual(
      within.items.map((i) => i.id),
      [failure.id],
    );
    const since = await trailOf(auditorA, `from=${at}`);
    assert.ok(since.items.some((i) => i.action === 'admin.sessions.revoke'));
    assert.ok(since.items.every((i) => i.occurredAt >= failure.occurredAt));
    assert.ok(since.items.length < items.length);
  });

  test('pages of two follow each other newest first, without gaps or repeats', async () => {
    const everything = (await trailOf(auditorA)).items.map((i) => i.id);
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const url = `/audit?limit=2${before === null ? '' : `&before=${before}`}`;
      const response = await auditorA.request('GET', url);
      assert.equal(response.statusCode, 200, response.body);
      const page = response.json<Page>();
      seen.push(...page.items.map((i) => i.id));
      before = page.nextBefore;
    } while (before !== null && seen.length < 1000);
    // Reading the trail is itself an audited event of A, so later reads see more rows at the top.
    assert.deepEqual(seen.slice(-everything.length), everything);
    const ids = seen.map(BigInt);
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0)),
    );
    assert.equal(new Set(seen).size, seen.length);
  });
});

describe('who counts as a member', () => {
  test('a former member stays visible, including attempts on their account after they left', async () => {
    const admin = await signedInMember(app, db, true, ['institution_admin']);
    const auditor = await signedInMember(app, db, admin.institutionId, ['auditor']);
    const leaver = await signedInMember(app, db, admin.institutionId, ['doctor']);
    const disabled = await admin.request('POST', `/admin/users/${leaver.user.id}/disable`);
    assert.equal(disabled.statusCode, 200, disabled.body);
    const attempt = await login(app, {
      username: leaver.user.username,
      password: leaver.user.password,
      remoteAddress: address(),
    });
    assert.equal(attempt.statusCode, 401);
    const { items } = await trailOf(auditor, `actor=${leaver.user.id}`);
    assert.deepEqual(
      items.map((i) => `${i.action} ${i.reason ?? ''}`.trim()),
      ['auth.sign_in_failed disabled', 'auth.sign_in'],
    );
  });

  test("attempts refused while a member's account is locked show under the member", async () => {
    const auditor = await signedInMember(app, db, true, ['auditor']);
    const member = await signedInMember(app, db, auditor.institutionId, ['doctor']);
    for (let i = 0; i < 6; i += 1) {
      const attempt = await login(app, {
        username: member.user.username,
        password: `guess ${String(i)}`,
        remoteAddress: address(),
      });
      assert.equal(attempt.statusCode, 401);
    }
    const { items } = await trailOf(auditor, `actor=${member.user.id}`);
    assert.deepEqual(
      items.map((i) => `${i.action} ${i.reason ?? ''}`.trim()),
      [
        'auth.sign_in_failed throttled',
        ...Array<string>(5).fill('auth.sign_in_failed wrong_password'),
        'auth.sign_in',
      ],
    );
  });

  test('someone who joins later brings no sign-ins from before they joined', async () => {
    const joiner = await signedInMember(app, db, true, ['doctor']);
    const auditor = await signedInMember(app, db, true, ['auditor']);
    await addMembership(db, {
      institutionId: auditor.institutionId,
      userId: joiner.user.id,
      roles: ['doctor'],
      levelName: 'Standard',
    });
    await signIn(app, {
      username: joiner.user.username,
      password: joiner.user.password,
      remoteAddress: address(),
    });
    const here = await trailOf(auditor, `actor=${joiner.user.id}`);
    assert.equal(here.items.length, 1, described(here.items).join('\n'));
    const there = await trailOf(
      await signedInMember(app, db, joiner.institutionId, ['auditor']),
      `actor=${joiner.user.id}`,
    );
    assert.equal(there.items.length, 2, 'their first institution sees both sign-ins');
  });

  test('an account-level event about a member shows, one about anyone else does not', async () => {
    // No route records one yet (the command line's password reset is not audited); when one does,
    // it names the person as its target, and their institutions must see it.
    const audit = new AuditLog(db, auditKeyFrom(tokenSecret));
    const auditor = await signedInMember(app, db, true, ['auditor']);
    const member = await createTestUser(db, { institution: auditor.institutionId, roles: ['doctor'] });
    const stranger = await createTestUser(db, { institution: true, roles: ['doctor'] });
    const reset = (target: TestUser, actor?: TestUser): Promise<void> =>
      audit.record({
        action: 'account.password_reset',
        outcome: 'success',
        actorId: actor?.id,
        targetType: 'user',
        targetId: target.id,
      });
    await reset(member);
    await reset(stranger);
    // By a member about a member: one event, shown once.
    await reset(member, member);
    const { items } = await trailOf(auditor, 'action=account.password_reset');
    assert.deepEqual(
      items.map((i) => `${i.actorId ?? 'nobody'} about ${i.targetId ?? ''}`),
      [`${member.id} about ${member.id}`, `nobody about ${member.id}`],
    );
  });
});

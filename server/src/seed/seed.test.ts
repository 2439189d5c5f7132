// The demo seed as an operator and the demo users see it: what lands in the database, who can sign
// in, and that seeding twice or with a weak password changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../db/database.ts';
import { INSTITUTION_ROLES } from '../identity/roles.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer, signIn } from '../../test/sign-in.ts';
import { seedCommand } from './command.ts';
import { FAMILY_NAMES } from './names.ts';
import { SeedRefusedError, seedDemo, type SeedResult } from './seed.ts';

const DEMO_PASSWORD = 'lantern meadow quiet river stone';
const quiet = {
  info: () => undefined,
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

void describe('seedDemo', () => {
  let ward: RunningWard;
  // The seed runs with the runtime role's rights, as the command does.
  let database: Database;
  let seeded: SeedResult;
  const progress: number[] = [];

  before(async () => {
    ward = await startWard();
    database = await openDatabase(ward.config, quiet);
    seeded = await seedDemo(database.db, {
      patients: 500,
      demoPassword: DEMO_PASSWORD,
      batchSize: 120,
      onProgress: (p) => progress.push(p.patients),
    });
  });
  after(async () => {
    await database.close();
    await ward.stop();
  });

  const count = async (query: ReturnType<typeof sql<{ n: string }>>): Promise<number> =>
    Number((await query.execute(database.db)).rows[0]?.n);

  void test('creates the patients asked for, each with a unique identifier and plausible demographics', async () => {
    assert.equal(seeded.patients, 500);
    assert.equal(progress.at(-1), 500);
    const rows = await database.db
      .selectFrom('ward.patients')
      .select([
        'id',
        'identifier_type',
        'identifier_value',
        'family_name',
        'given_names',
        'sex',
        sql<string>`to_char(birth_date, 'YYYY-MM-DD')`.as('birth_date'),
      ])
      .where('institution_id', '=', seeded.institutionId)
      .execute();
    assert.equal(rows.length, 500);
    assert.equal(new Set(rows.map((r) => r.identifier_value)).size, 500, 'identifiers are unique');
    assert.equal(new Set(rows.map((r) => r.id)).size, 500);
    for (const r of rows) {
      assert.equal(r.identifier_type, 'DNI');
      assert.match(r.identifier_value, /^\d{8}$/);
      assert.ok(r.birth_date >= '1930-01-01' && r.birth_date <= '2020-12-31', r.birth_date);
      assert.ok(FAMILY_NAMES.includes(r.family_name.split(' ')[0] ?? ''), r.family_name);
      assert.notEqual(r.given_names, '');
      assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'UUID v7');
    }
    assert.ok(new Set(rows.map((r) => r.sex)).size >= 2, 'both common sexes appear');
    assert.ok(new Set(rows.map((r) => r.family_name)).size > 20, 'names vary');
  });

  void test('gives some patients one to three encounters by the demo doctor within the last two years', async () => {
    const doctor = seeded.users.find((u) => u.role === 'doctor');
    assert.ok(doctor);
    const encounters = await count(
      sql`SELECT count(*) AS n FROM ward.encounters WHERE institution_id = ${seeded.institutionId}`,
    );
    assert.equal(encounters, seeded.encounters);
    // About 30 % of 500 patients, 1 to 3 each: far from zero, far below one each.
    assert.ok(encounters > 50 && encounters < 500, `${encounters} encounters`);
    assert.equal(
      await count(sql`SELECT count(*) AS n FROM ward.encounters e
        LEFT JOIN ward.patients p ON p.institution_id = e.institution_id AND p.id = e.patient_id
        WHERE e.institution_id = ${seeded.institutionId} AND p.id IS NULL`),
      0,
      "every encounter's patient exists",
    );
    assert.equal(
      await count(sql`SELECT count(*) AS n FROM ward.encounters
        WHERE institution_id = ${seeded.institutionId}
          AND (author_id <> ${doctor.id} OR occurred_at > now() OR occurred_at < now() - interval '731 days')`),
      0,
    );
    assert.equal(
      (await count(sql`SELECT max(c) AS n FROM (SELECT count(*) AS c FROM ward.encounters
        WHERE institution_id = ${seeded.institutionId} GROUP BY patient_id) AS per_patient`)) <= 3,
      true,
    );
  });

  void test('makes one user per role, each able to sign in with the demo password', async () => {
    assert.deepEqual(seeded.users.map((u) => u.role).sort(), [...INSTITUTION_ROLES].sort());
    for (const user of seeded.users) {
      assert.equal(user.password, DEMO_PASSWORD);
      const session = await signIn(ward.server.app, { username: user.username, password: DEMO_PASSWORD });
      assert.equal(session.state, 'active', `${user.username} signs in straight away`);
      const me = await ward.server.app.inject({ url: '/api/me', headers: bearer(session.token) });
      const memberships = me.json<{ memberships: { institutionId: string; roles: string[] }[] }>()
        .memberships;
      assert.deepEqual(
        memberships.map((m) => [m.institutionId, m.roles]),
        [[seeded.institutionId, [user.role]]],
      );
    }
  });

  void test('the demo doctor finds seeded patients through the API', async () => {
    const doctor = seeded.users.find((u) => u.role === 'doctor');
    assert.ok(doctor);
    const { token } = await signIn(ward.server.app, { username: doctor.username, password: DEMO_PASSWORD });
    const patient = await database.db
      .selectFrom('ward.patients')
      .select(['identifier_value', 'family_name'])
      .where('institution_id', '=', seeded.institutionId)
      .executeTakeFirstOrThrow();
    const response = await ward.server.app.inject({
      url: `/api/institutions/${seeded.institutionId}/patients?identifier=${patient.identifier_value}`,
      headers: bearer(token),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(
      response.json<{ items: { familyName: string }[] }>().items.map((p) => p.familyName),
      [patient.family_name],
    );
  });

  void test('seeding the same database again is refused and changes nothing', async () => {
    await assert.rejects(
      seedDemo(database.db, { patients: 10, demoPassword: DEMO_PASSWORD }),
      (error: unknown) =>
        error instanceof SeedRefusedError &&
        error.reasons.some((r) => r.includes('"Demo Hospital" exists')) &&
        error.reasons.some((r) => r.includes('"demo.doctor" is taken')),
    );
    assert.equal(await count(sql`SELECT count(*) AS n FROM ward.patients`), 500);
    assert.equal(
      await count(sql`SELECT count(*) AS n FROM ward.institutions WHERE name = 'Demo Hospital'`),
      1,
    );
  });

  void test('a demo password that fails the policy is refused with the reasons, before anything is made', async () => {
    const attempts: [string, RegExp][] = [
      ['tiny pass', /At least 15 characters/],
      ['demo doctor lantern meadow', /must not contain "doctor"/],
      ['aaaaaaaaaaaaaaaaaaaa', /repeated/],
    ];
    for (const [password, reason] of attempts) {
      await assert.rejects(
        seedDemo(database.db, {
          patients: 5,
          demoPassword: password,
          institutionName: 'Weak Clinic',
          usernamePrefix: 'weak',
        }),
        (error: unknown) => error instanceof SeedRefusedError && error.reasons.some((r) => reason.test(r)),
        password,
      );
    }
    assert.equal(await count(sql`SELECT count(*) AS n FROM ward.institutions WHERE name = 'Weak Clinic'`), 0);
    assert.equal(await count(sql`SELECT count(*) AS n FROM ward.users WHERE username LIKE 'weak.%'`), 0);
  });

  void test('without a demo password each user gets their own random one, which signs in', async () => {
    const other = await seedDemo(database.db, {
      patients: 0,
      institutionName: 'Other Clinic',
      usernamePrefix: 'other',
    });
    assert.equal(new Set(other.users.map((u) => u.password)).size, other.users.length);
    for (const user of other.users) {
      assert.ok(user.password.length >= 15);
      const session = await signIn(ward.server.app, { username: user.username, password: user.password });
      assert.equal(session.state, 'active');
    }
  });

  void test('the seed command prints the usernames, refuses bad arguments and production deployments', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const run = (args: string[], config = ward.config): Promise<number> =>
      seedCommand(
        config,
        args,
        (l) => out.push(l),
        (l) => err.push(l),
      );
    assert.equal(
      await run([
        '--patients',
        '20',
        '--demo-password',
        DEMO_PASSWORD,
        '--institution',
        'Cli Clinic',
        '--username-prefix',
        'cli',
      ]),
      0,
    );
    const printed = out.join('\n');
    for (const handle of ['admin', 'doctor', 'nurse', 'clerk', 'auditor'])
      assert.match(printed, new RegExp(`cli\\.${handle}`));
    assert.doesNotMatch(printed, new RegExp(DEMO_PASSWORD), 'a password the operator chose is not echoed');
    assert.match(printed, /20 patients/);

    out.length = 0;
    assert.equal(
      await run(['--patients', '5', '--institution', 'Cli Clinic', '--username-prefix', 'cli']),
      1,
    );
    assert.match(err.join('\n'), /already seeded/);

    err.length = 0;
    assert.equal(await run(['--patients', '5', '--demo-password', 'short one']), 2);
    assert.match(err.join('\n'), /At least 15 characters/);

    await assert.rejects(run(['--patients', '2000000']), /at most|from 0 to 1000000/);
    await assert.rejects(run([]), /--patients is required/);

    err.length = 0;
    assert.equal(await run(['--patients', '5'], { ...ward.config, mode: 'production' }), 1);
    assert.match(err.join('\n'), /production/);
  });
});

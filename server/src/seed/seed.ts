import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditLog } from '../audit/log.ts';
import {
  checkPassword,
  hashPassword,
  MIN_LENGTH_WITHOUT_SECOND_FACTOR,
  NIST_DEFAULT_RULES,
} from '../auth/passwords/index.ts';
import type { Schema } from '../db/schema.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import {
  addMembership,
  createInstitution,
  createUser,
  findInstitutionByName,
  findUserForSignIn,
} from '../identity/store.ts';
import { ENCOUNTER_REASONS, FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES } from './names.ts';

export const MAX_SEED_PATIENTS = 1_000_000;
export const DEFAULT_DEMO_INSTITUTION = 'Demo Hospital';
const DEFAULT_BATCH = 50_000;
const DEFAULT_PARALLEL = 2;

/** The demo staff: one account per institution role. */
const DEMO_STAFF: readonly { role: InstitutionRole; handle: string; displayName: string }[] = [
  { role: 'institution_admin', handle: 'admin', displayName: 'Demo Administrator' },
  { role: 'doctor', handle: 'doctor', displayName: 'Dr. Demo Doctor' },
  { role: 'nurse', handle: 'nurse', displayName: 'Demo Nurse' },
  { role: 'administrative', handle: 'clerk', displayName: 'Demo Clerk' },
  { role: 'auditor', handle: 'auditor', displayName: 'Demo Auditor' },
];

export interface DemoUser {
  readonly id: string;
  readonly username: string;
  readonly role: InstitutionRole;
  readonly password: string;
}

export interface SeedProgress {
  readonly patients: number;
  readonly total: number;
  readonly encounters: number;
}

export interface SeedOptions {
  readonly patients: number;
  /** One password for every demo user; it must pass the policy for accounts without a second factor. */
  readonly demoPassword?: string | undefined;
  readonly institutionName?: string | undefined;
  /** Usernames are `<prefix>.admin`, `<prefix>.doctor`, … (default `demo`). */
  readonly usernamePrefix?: string | undefined;
  /** Patients per INSERT statement. */
  readonly batchSize?: number | undefined;
  /** Statements run at once (default 2). */
  readonly parallel?: number | undefined;
  /** When given, the seeding itself is recorded in the audit trail. */
  readonly audit?: AuditLog | undefined;
  readonly onProgress?: ((progress: SeedProgress) => void) | undefined;
}

export interface SeedResult {
  readonly institutionId: string;
  readonly institutionName: string;
  readonly users: readonly DemoUser[];
  readonly patients: number;
  readonly encounters: number;
}

/** Seeding cannot go ahead as asked; `reasons` say why, one per line. */
export class SeedRefusedError extends Error {
  override readonly name = 'SeedRefusedError';
  readonly reasons: readonly string[];
  constructor(message: string, reasons: readonly string[] = []) {
    super(reasons.length === 0 ? message : `${message}\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
    this.reasons = reasons;
  }
}

// The demo accounts have no second factor, so NIST's 15-character floor applies to them.
const DEMO_PASSWORD_RULES = { ...NIST_DEFAULT_RULES, minLength: MIN_LENGTH_WITHOUT_SECOND_FACTOR };

function staffOf(prefix: string): { role: InstitutionRole; username: string; displayName: string }[] {
  return DEMO_STAFF.map((s) => ({
    role: s.role,
    username: `${prefix}.${s.handle}`,
    displayName: s.displayName,
  }));
}

/** Why `password` may not be the demo users' password (empty when it may). */
export function demoPasswordProblems(
  password: string,
  options: { institutionName?: string | undefined; usernamePrefix?: string | undefined } = {},
): string[] {
  const institutionName = options.institutionName ?? DEFAULT_DEMO_INSTITUTION;
  const problems = new Set<string>();
  for (const user of staffOf(options.usernamePrefix ?? 'demo')) {
    const verdict = checkPassword(password, DEMO_PASSWORD_RULES, {
      username: user.username,
      displayName: user.displayName,
      institutionName,
    });
    if (!verdict.ok) for (const reason of verdict.reasons) problems.add(reason.message);
  }
  return [...problems];
}

function randomDemoPassword(institutionName: string, usernamePrefix: string): string {
  for (;;) {
    // 144 random bits; drawn again in the rare case the text happens to contain a context word.
    const candidate = randomBytes(18).toString('base64url');
    if (demoPasswordProblems(candidate, { institutionName, usernamePrefix }).length === 0) return candidate;
  }
}

/**
 * A UUID version 7 made in SQL from a millisecond timestamp expression (PostgreSQL < 18 has no
 * uuidv7()): the timestamp goes in the first 48 bits of a random UUID and the version nibble
 * becomes 7. Ids made from increasing timestamps land next to each other in the primary key.
 */
function uuidV7(ms: ReturnType<typeof sql>): ReturnType<typeof sql> {
  return sql`encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(${ms}) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;
}

// Patient n gets an 8-digit identifier drawn from its own block of 89 numbers: unique, not a
// counter, and increasing with n, so the identifier indexes grow at their end (much faster to fill).
const IDENTIFIER_OF_N = sql`(10000000 + 89 * n + floor(random() * 89)::int)::text`;

/**
 * Inserts patients numbered `from`..`to` and, for about 30 % of them, 1 to 3 encounters by the
 * demo doctor within the last two years. One statement: the random choices stay in the database.
 */
async function insertPatientBatch(
  db: Kysely<Schema>,
  input: { institutionId: string; doctorId: string; from: number; to: number; baseMs: number },
): Promise<number> {
  const { institutionId, doctorId, from, to, baseMs } = input;
  const pick = (array: ReturnType<typeof sql>, length: number): ReturnType<typeof sql> =>
    sql`(${array})[1 + floor(random() * ${sql.lit(length)})::int]`;
  const family = pick(sql`names.family`, FAMILY_NAMES.length);
  const female = pick(sql`names.female`, FEMALE_GIVEN_NAMES.length);
  const male = pick(sql`names.male`, MALE_GIVEN_NAMES.length);
  const anyGiven = pick(sql`names.female || names.male`, FEMALE_GIVEN_NAMES.length + MALE_GIVEN_NAMES.length);
  const given = sql`CASE g.sex WHEN 'female' THEN ${female} WHEN 'male' THEN ${male} ELSE ${anyGiven} END`;
  // The planner's guess of the row count is wild enough to switch JIT on, which costs more than it saves.
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL jit = off`.execute(trx);
    const result = await sql<{ encounters: string }>`
    WITH names AS (
      SELECT ${[...FAMILY_NAMES]}::text[] AS family, ${[...FEMALE_GIVEN_NAMES]}::text[] AS female,
             ${[...MALE_GIVEN_NAMES]}::text[] AS male, ${[...ENCOUNTER_REASONS]}::text[] AS reasons
    ),
    g AS MATERIALIZED (
      SELECT n, CASE WHEN r < 0.49 THEN 'female' WHEN r < 0.98 THEN 'male' WHEN r < 0.99 THEN 'other' ELSE 'unknown' END AS sex
        FROM (SELECT n, random() AS r FROM generate_series(${from}::bigint, ${to}::bigint) AS n) AS s
    ),
    p AS (
      INSERT INTO ward.patients
        (institution_id, id, identifier_type, identifier_value, family_name, given_names, birth_date, sex, phone)
      SELECT ${institutionId}::uuid,
             ${uuidV7(sql`${baseMs}::bigint + n`)},
             'DNI',
             ${IDENTIFIER_OF_N},
             ${family} || CASE WHEN random() < 0.5 THEN ' ' || ${family} ELSE '' END,
             ${given} || CASE WHEN random() < 0.35 THEN ' ' || ${given} ELSE '' END,
             date '1930-01-01' + floor(random() * (date '2021-01-01' - date '1930-01-01'))::int,
             g.sex,
             CASE WHEN random() < 0.7 THEN '+54 9 11 ' || lpad(floor(random() * 100000000)::bigint::text, 8, '0') END
        FROM g CROSS JOIN names
      RETURNING id
    ),
    e AS (
      INSERT INTO ward.encounters (institution_id, id, patient_id, author_id, occurred_at, type, reason)
      SELECT ${institutionId}::uuid,
             ${uuidV7(sql`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`)},
             p.id,
             ${doctorId}::uuid,
             now() - random() * interval '730 days',
             (ARRAY['outpatient', 'outpatient', 'outpatient', 'outpatient', 'outpatient', 'outpatient',
                    'emergency', 'emergency', 'telehealth', 'inpatient', 'home'])[1 + floor(random() * 11)::int],
             ${pick(sql`names.reasons`, ENCOUNTER_REASONS.length)}
        -- The id's random last bytes decide, once per patient: ~30 % get encounters, 1 to 3 each.
        FROM p CROSS JOIN names
        CROSS JOIN LATERAL generate_series(1, get_byte(uuid_send(p.id), 15) % 3 + 1) AS k
       WHERE get_byte(uuid_send(p.id), 14) < 77
      RETURNING 1
    )
    SELECT count(*)::text AS encounters FROM e`.execute(trx);
    return Number(result.rows[0]?.encounters ?? 0);
  });
}

/**
 * Creates a demo institution, one user per role (with a password set now) and `patients`
 * synthetic patients with encounters. Refuses, changing nothing, when the institution or any of
 * the usernames already exists: seeding twice never mixes demo data into an existing institution.
 */
export async function seedDemo(db: Kysely<Schema>, options: SeedOptions): Promise<SeedResult> {
  const total = options.patients;
  if (!Number.isInteger(total) || total < 0 || total > MAX_SEED_PATIENTS) {
    throw new SeedRefusedError(
      `the number of patients must be a whole number from 0 to ${MAX_SEED_PATIENTS}`,
    );
  }
  const institutionName = options.institutionName ?? DEFAULT_DEMO_INSTITUTION;
  const usernamePrefix = options.usernamePrefix ?? 'demo';
  if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(usernamePrefix)) {
    throw new SeedRefusedError('the username prefix must be lower-case letters, digits, dash or underscore');
  }
  if (options.demoPassword !== undefined) {
    const problems = demoPasswordProblems(options.demoPassword, { institutionName, usernamePrefix });
    if (problems.length > 0) throw new SeedRefusedError('the demo password is refused:', problems);
  }
  const staff = staffOf(usernamePrefix);
  const taken: string[] = [];
  if (await findInstitutionByName(db, institutionName))
    taken.push(`an institution named "${institutionName}" exists`);
  for (const user of staff) {
    if (await findUserForSignIn(db, user.username)) taken.push(`the username "${user.username}" is taken`);
  }
  if (taken.length > 0) {
    throw new SeedRefusedError(
      'this database is already seeded; nothing was changed (seed a fresh database, or choose another institution name and username prefix):',
      taken,
    );
  }

  const passwords = staff.map(
    () => options.demoPassword ?? randomDemoPassword(institutionName, usernamePrefix),
  );
  const hashes = await Promise.all(passwords.map((p) => hashPassword(p)));
  const institution = await createInstitution(db, { name: institutionName, timeZone: 'UTC' });
  const users = await db.transaction().execute(async (trx) => {
    const created: DemoUser[] = [];
    for (const [i, member] of staff.entries()) {
      const user = await createUser(trx, { username: member.username, displayName: member.displayName });
      await trx
        .updateTable('ward.users')
        .set({ password_hash: hashes[i] ?? null, password_changed_at: sql<Date>`now()` })
        .where('id', '=', user.id)
        .execute();
      await addMembership(trx, {
        institutionId: institution.id,
        userId: user.id,
        roles: [member.role],
        levelName: 'Standard',
      });
      created.push({ id: user.id, username: user.username, role: member.role, password: passwords[i] ?? '' });
    }
    return created;
  });
  const doctor = users.find((u) => u.role === 'doctor');
  if (!doctor) throw new Error('the demo doctor was not created');

  const batch = options.batchSize ?? DEFAULT_BATCH;
  // Patient ids carry made-up creation times one millisecond apart, ending now: in order, unique prefixes.
  const baseMs = Date.now() - total;
  let next = 0;
  let done = 0;
  let encounters = 0;
  let failed = false;
  // A few statements at once keep every core busy; each takes the next range of patient numbers.
  const worker = async (): Promise<void> => {
    while (next < total && !failed) {
      const from = next + 1;
      const to = Math.min(total, next + batch);
      next = to;
      const inserted = await insertPatientBatch(db, {
        institutionId: institution.id,
        doctorId: doctor.id,
        from,
        to,
        baseMs,
      }).catch((error: unknown) => {
        failed = true;
        throw error;
      });
      encounters += inserted;
      done += to - from + 1;
      options.onProgress?.({ patients: done, total, encounters });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? DEFAULT_PARALLEL) }, worker));
  await options.audit?.record({
    action: 'demo.seed',
    outcome: 'success',
    institutionId: institution.id,
    details: { patients: total, encounters, users: users.length },
  });
  return { institutionId: institution.id, institutionName, users, patients: total, encounters };
}

// Test and benchmark support for exports: the export permission granted as an administrator would,
// many patients seeded in one SQL statement,
// and an independent reading of what an export sends (CSV per RFC 4180, spreadsheet neutralisation).
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import { bearer, signIn } from '../../test/sign-in.ts';
import { createTestUser, type TestUser } from '../../test/users.ts';
import { stepUp } from '../auth/step-up/test-support.ts';

/** Grants (or withdraws) a member's export permission, as Administration > Users does. */
export async function grantExport(
  db: Kysely<Schema>,
  userId: string,
  institutionId: string,
  granted = true,
): Promise<void> {
  const result = await db
    .updateTable('ward.memberships')
    .set({ export_permission: granted })
    .where('user_id', '=', userId)
    .where('institution_id', '=', institutionId)
    .executeTakeFirst();
  assert.equal(result.numUpdatedRows, 1n, 'the user is a member of the institution');
}

/**
 * Reads CSV as RFC 4180 defines it (quoted fields, doubled quotes, CRLF records, line breaks inside
 * quotes): the reading a spreadsheet or a script on the receiving side does.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c ?? '';
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      assert.ok(
        c !== '"' && c !== '\n' && c !== '\r',
        `stray ${JSON.stringify(c)} at offset ${i} outside quotes`,
      );
      field += c ?? '';
      i++;
    }
  }
  assert.ok(!quoted, 'the CSV ends inside a quoted field');
  assert.ok(field === '' && record.length === 0, 'the last record ends with CRLF');
  return records;
}

/** What a value looks like after export: a leading =, +, -, @, tab or CR is defused with an apostrophe. */
export function neutralised(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Seeds `count` synthetic patients into an institution in one statement (100,000 take seconds). Ids are UUIDv7 stamped a
 * day in the past, in order, and names start with "A": a patient created afterwards through the API
 * sorts after every seeded one, by id and by name alike.
 */
export async function seedPatients(
  db: Kysely<Schema>,
  institutionId: string,
  count: number,
  /** Number of the first patient: seeding more into the same institution continues the numbering. */
  first = 1,
): Promise<void> {
  await sql`
    INSERT INTO ward.patients
      (institution_id, id, identifier_type, identifier_value, family_name, given_names, birth_date, sex, phone, email, address)
    SELECT ${institutionId}::uuid,
           (lpad(to_hex(base.ms + n), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
           'national_id',
           'SEED-' || n,
           'Aseeded ' || (ARRAY['García', 'O''Brien', 'Smith-Jones', 'Nguyễn', 'Müller'])[1 + n % 5],
           (ARRAY['Ana María', 'John', 'Zoë', 'Li', 'Pat'])[1 + n % 5],
           date '1930-01-01' + (n::bigint * 7919 % 33000)::int,
           (ARRAY['female', 'male', 'other', 'unknown'])[1 + n % 4],
           CASE WHEN n % 3 = 0 THEN '+34 600 ' || lpad((n % 1000000)::text, 6, '0') END,
           CASE WHEN n % 4 = 0 THEN 'patient' || n || '@example.org' END,
           CASE WHEN n % 2 = 0 THEN n || ' Calle Mayor, 28013 Madrid' END
      FROM (SELECT (extract(epoch FROM now() - interval '1 day') * 1000)::bigint AS ms) AS base,
           generate_series(${first}::int, ${first + count - 1}::int) AS n,
           LATERAL (SELECT md5(n::text || random()::text) AS h) AS r`.execute(db);
}

/** A signed-in member of an institution, calling its API in process with a bearer token. */
export interface Exporter {
  readonly user: TestUser;
  readonly institutionId: string;
  readonly token: string;
  /** GETs `path` under `/api/institutions/<iid>`. */
  get(path: string): Promise<LightMyRequestResponse>;
}

/** A new member with `roles`, signed in; with `canExport`, granted the export permission and stepped up. */
export async function signedInExporter(
  app: WardApp,
  db: Kysely<Schema>,
  institutionId: string,
  roles: readonly InstitutionRole[],
  options: { canExport?: boolean } = {},
): Promise<Exporter> {
  const user = await createTestUser(db, { institution: institutionId, roles });
  const { token } = await signIn(app, user);
  if (options.canExport ?? true) {
    await grantExport(db, user.id, institutionId);
    await stepUp(app, token, user.password);
  }
  return {
    user,
    institutionId,
    token,
    get: (path) =>
      app.inject({
        method: 'GET',
        url: `/api/institutions/${institutionId}${path}`,
        headers: { ...bearer(token), 'user-agent': EXPORT_TEST_AGENT },
      }),
  };
}

export const EXPORT_TEST_AGENT = 'ward-export-tests/1.0';

/** Audit events of one action by one actor, oldest first. */
export async function auditEventsOf(
  db: Kysely<Schema>,
  action: string,
  actorId: string,
): Promise<
  {
    outcome: string;
    reason: string | null;
    details: unknown;
    institution_id: string | null;
    user_agent: string | null;
  }[]
> {
  return db
    .selectFrom('ward.audit_events')
    .select(['outcome', 'reason', 'details', 'institution_id', 'user_agent'])
    .where('action', '=', action)
    .where('actor_id', '=', actorId)
    .orderBy('id')
    .execute();
}

/** Polls `probe` until it returns a value other than undefined, for at most `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < until, 'the expected state did not come about in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

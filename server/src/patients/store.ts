import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../db/schema.ts';

export type Sex = 'female' | 'male' | 'other' | 'unknown';

export interface Demographics {
  readonly identifierType: string;
  readonly identifierValue: string;
  readonly familyName: string;
  readonly givenNames: string;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly phone: string | null;
  readonly email: string | null;
  readonly address: string | null;
}

export interface Patient extends Demographics {
  readonly id: string;
  readonly institutionId: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type PatientSearch =
  | {
      readonly kind: 'prefix';
      readonly name: string;
      readonly after?: { name: string; id: string } | undefined;
    }
  | { readonly kind: 'fuzzy'; readonly name: string; readonly offset: number }
  | { readonly kind: 'identifier'; readonly value: string; readonly type?: string | undefined }
  | {
      readonly kind: 'birthDate';
      readonly date: string;
      readonly after?: { name: string; id: string } | undefined;
    };

const COLUMNS = [
  'id',
  'institution_id',
  'identifier_type',
  'identifier_value',
  'family_name',
  'given_names',
  sql<string>`to_char(birth_date, 'YYYY-MM-DD')`.as('birth_date'),
  'sex',
  'phone',
  'email',
  'address',
  'search_name',
  'version',
  'created_at',
  'updated_at',
] as const;

interface PatientRow {
  id: string;
  institution_id: string;
  identifier_type: string;
  identifier_value: string;
  family_name: string;
  given_names: string;
  birth_date: string;
  sex: Sex;
  phone: string | null;
  email: string | null;
  address: string | null;
  search_name: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toPatient(r: PatientRow): Patient & { searchName: string } {
  return {
    id: r.id,
    institutionId: r.institution_id,
    identifierType: r.identifier_type,
    identifierValue: r.identifier_value,
    familyName: r.family_name,
    givenNames: r.given_names,
    birthDate: r.birth_date,
    sex: r.sex,
    phone: r.phone,
    email: r.email,
    address: r.address,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    searchName: r.search_name,
  };
}

/** LIKE patterns treat % and _ as wildcards: a name typed by a user must match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function normaliseSearchName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Searches one institution's patients. Prefix and birth-date searches page by keyset on
 * (search name, id), so pages are stable while others write; fuzzy (trigram) searches rank by
 * similarity, then id.
 */
export async function searchPatients(
  db: Kysely<Schema>,
  institutionId: string,
  search: PatientSearch,
  limit: number,
): Promise<(Patient & { searchName: string })[]> {
  let query = db.selectFrom('ward.patients').select(COLUMNS).where('institution_id', '=', institutionId);
  switch (search.kind) {
    case 'prefix': {
      query = query.where('search_name', 'like', `${escapeLike(normaliseSearchName(search.name))}%`);
      const after = search.after;
      if (after)
        query = query.where(
          (eb) => eb.tuple('search_name', 'id'),
          '>',
          (eb) => eb.tuple(eb.val(after.name), eb.val(after.id)),
        );
      query = query.orderBy('search_name').orderBy('id');
      break;
    }
    case 'birthDate': {
      query = query.where('birth_date', '=', search.date);
      const after = search.after;
      if (after)
        query = query.where(
          (eb) => eb.tuple('search_name', 'id'),
          '>',
          (eb) => eb.tuple(eb.val(after.name), eb.val(after.id)),
        );
      query = query.orderBy('search_name').orderBy('id');
      break;
    }
    case 'identifier': {
      query = query.where('identifier_value', '=', search.value.trim());
      if (search.type) query = query.where('identifier_type', '=', search.type);
      query = query.orderBy('id');
      break;
    }
    case 'fuzzy': {
      const name = normaliseSearchName(search.name);
      query = query
        // Word similarity: "garsia" finds "garcía ana maría" (the GIN trigram index serves `<%`).
        .where(sql<boolean>`${name} <% search_name`)
        .orderBy(sql`word_similarity(${name}, search_name)`, 'desc')
        .orderBy('id')
        .offset(search.offset);
      break;
    }
  }
  const rows = await query.limit(limit).execute();
  return rows.map((r) => toPatient(r));
}

export async function getPatient(
  db: Kysely<Schema>,
  institutionId: string,
  id: string,
): Promise<Patient | undefined> {
  const row = await db
    .selectFrom('ward.patients')
    .select(COLUMNS)
    .where('institution_id', '=', institutionId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toPatient(row);
}

function columnsOf(d: Demographics) {
  return {
    identifier_type: d.identifierType,
    identifier_value: d.identifierValue,
    family_name: d.familyName,
    given_names: d.givenNames,
    birth_date: d.birthDate,
    sex: d.sex,
    phone: d.phone,
    email: d.email,
    address: d.address,
  };
}

export async function insertPatient(
  db: Kysely<Schema>,
  institutionId: string,
  d: Demographics,
): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('ward.patients')
    .values({ institution_id: institutionId, id, ...columnsOf(d) })
    .execute();
  return id;
}

/** Updates only if the stored version is still `version`; returns the new version, or undefined when stale. */
export async function updatePatient(
  db: Kysely<Schema>,
  institutionId: string,
  id: string,
  version: number,
  d: Demographics,
): Promise<number | undefined> {
  const row = await db
    .updateTable('ward.patients')
    .set({ ...columnsOf(d), version: sql`version + 1`, updated_at: sql`now()` })
    .where('institution_id', '=', institutionId)
    .where('id', '=', id)
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}

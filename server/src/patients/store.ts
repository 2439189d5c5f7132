import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { clinicalAccessFacts, type ClinicalAccessFacts } from '../access/clinical-access.ts';
import { Coalescer } from '../db/coalesce.ts';
import { PreparedStatement } from '../db/prepared.ts';
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

// Fuzzy search corrects the query's first word to at most this many family names, and each other
// word to at most this many name words; more would only add noise (and time).
const FUZZY_FAMILY_CANDIDATES = 3;
const FUZZY_WORD_CANDIDATES = 4;
const FUZZY_MAX_WORDS = 4;

/** Names in byte order: what the name index holds, so a page comes straight from it (migration 0007). */
const NAME_ORDER = sql<string>`search_name COLLATE "C"`;

/** LIKE patterns treat % and _ as wildcards: a name typed by a user must match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A regular expression matching a name that holds one of `words` as a whole word (words are split
 * at whitespace, as ward.name_words splits them). It filters the rows of an ordered index read, where
 * it costs a sixth of splitting every name into words, and cannot steer the planner to the
 * word index (migration 0007), whose matches must all be fetched and sorted to return a page.
 */
function wordPattern(words: readonly string[]): string {
  // In PostgreSQL's regular expressions a backslash makes any punctuation literal.
  const literal = (word: string): string => word.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
  return `(^|\\s)(${words.map(literal).join('|')})(\\s|$)`;
}

export function normaliseSearchName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Searches one institution's patients. Prefix and birth-date searches page by keyset on
 * (search name, id), so pages are stable while others write; fuzzy searches rank the closest
 * spelling of the family name first, then by name and id.
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
      query = query.where(NAME_ORDER, 'like', `${escapeLike(normaliseSearchName(search.name))}%`);
      const after = search.after;
      if (after)
        query = query.where(
          // Column references: a bare string in a tuple would be a value, and the keyset a constant.
          (eb) => eb.tuple(NAME_ORDER, eb.ref('id')),
          '>',
          (eb) => eb.tuple(eb.val(after.name), eb.val(after.id)),
        );
      query = query.orderBy(NAME_ORDER).orderBy('id');
      break;
    }
    case 'birthDate': {
      query = query.where('birth_date', '=', search.date);
      const after = search.after;
      if (after)
        query = query.where(
          // Column references: a bare string in a tuple would be a value, and the keyset a constant.
          (eb) => eb.tuple(NAME_ORDER, eb.ref('id')),
          '>',
          (eb) => eb.tuple(eb.val(after.name), eb.val(after.id)),
        );
      query = query.orderBy(NAME_ORDER).orderBy('id');
      break;
    }
    case 'identifier': {
      query = query.where('identifier_value', '=', search.value.trim());
      if (search.type) query = query.where('identifier_type', '=', search.type);
      query = query.orderBy('id');
      break;
    }
    case 'fuzzy':
      return searchFuzzy(db, institutionId, search.name, search.offset, limit);
  }
  return (await query.limit(limit).execute()).map((r) => toPatient(r));
}

/**
 * Fuzzy search in two steps, each served by an index (migration 0007). First every query word is
 * corrected against the institution's distinct name words by trigram similarity, accents aside:
 * "garsia" → garcía, "hernandes" → hernández, fernández. Then the patients whose family name
 * starts with a correction of the first word, and whose name holds a correction of each other
 * word, are read in name order, closest correction first. Ranking whole names by similarity
 * instead would score every García to return a page.
 */
async function searchFuzzy(
  db: Kysely<Schema>,
  institutionId: string,
  name: string,
  offset: number,
  limit: number,
): Promise<(Patient & { searchName: string })[]> {
  const words = normaliseSearchName(name)
    .split(' ')
    .filter((w) => w !== '')
    .slice(0, FUZZY_MAX_WORDS);
  if (words.length === 0) return [];
  // `%` keeps pairs at pg_trgm.similarity_threshold (0.3 unless the server says otherwise).
  const { rows } = await sql<{ position: string; words: string[] }>`
    SELECT q.position::text AS position, array_agg(c.word ORDER BY c.similarity DESC, c.word) AS words
      FROM unnest(${words}::text[]) WITH ORDINALITY AS q (word, position)
     CROSS JOIN LATERAL (
       SELECT w.word, similarity(ward.fold_accents(w.word), ward.fold_accents(q.word)) AS similarity
         FROM ward.patient_name_words AS w
        WHERE w.institution_id = ${institutionId} AND w.starts_name = (q.position = 1)
          AND ward.fold_accents(w.word) % ward.fold_accents(q.word)
        ORDER BY similarity DESC, w.word
        LIMIT CASE WHEN q.position = 1 THEN ${sql.lit(FUZZY_FAMILY_CANDIDATES)} ELSE ${sql.lit(FUZZY_WORD_CANDIDATES)} END
     ) AS c
     GROUP BY q.position`.execute(db);
  const corrections = words.map((_, i) => rows.find((r) => Number(r.position) === i + 1)?.words ?? []);
  const [families = [], ...others] = corrections;
  if (corrections.some((c) => c.length === 0)) return [];
  // Closest family-name correction first: one read of the name index per correction, in turn,
  // until the page is full, so later corrections are read only when the closer ones run out. Each
  // read picks ids from the index alone, without visiting the table (filtering full rows fetched in
  // name order would cost a table visit per name skipped), then reads just the rows it picked.
  const wanted = offset + limit;
  const found: PatientRow[] = [];
  for (const family of families) {
    let picked = db
      .selectFrom('ward.patients')
      .select('id')
      .where('institution_id', '=', institutionId)
      .where(NAME_ORDER, 'like', `${escapeLike(family)} %`);
    for (const other of others) picked = picked.where('search_name', '~', wordPattern(other));
    const tier = await db
      .selectFrom('ward.patients')
      .select(COLUMNS)
      .where('institution_id', '=', institutionId)
      .where(
        'id',
        'in',
        picked
          .orderBy(NAME_ORDER)
          .orderBy('id')
          .limit(wanted - found.length),
      )
      .orderBy(NAME_ORDER)
      .orderBy('id')
      .execute();
    found.push(...tier);
    if (found.length >= wanted) break;
  }
  return found.slice(offset, wanted).map((r) => toPatient(r));
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

/** One request's read of a patient, with its clinical-access facts when the reader may see clinical data. */
export interface PatientReadRequest {
  readonly institutionId: string;
  readonly patientId: string;
  readonly userId: string;
  readonly careRelationshipDays: number;
  readonly withClinical: boolean;
}

export interface PatientRead {
  readonly patient: Patient;
  readonly clinical: ClinicalAccessFacts | null;
}

// Patients for a batch of requests: the values are arrays of the requests' numbers, institutions,
// patients, readers, care-relationship windows and whether clinical facts are wanted.
const READ_PATIENTS = new PreparedStatement((db: Kysely<Schema>, param) => {
  const facts = clinicalAccessFacts({
    institutionId: sql<string>`q.iid`,
    userId: sql<string>`q.uid`,
    patientId: sql<string>`q.pid`,
    careRelationshipDays: sql<number>`q.care_days`,
  });
  return db
    .selectFrom(
      sql<{
        n: number;
        iid: string;
        pid: string;
        uid: string;
        care_days: number;
        clinical: boolean;
      }>`unnest(${param(1)}::int[], ${param(2)}::uuid[], ${param(3)}::uuid[],
                ${param(4)}::uuid[], ${param(5)}::int[], ${param(6)}::bool[])`.as<'q'>(
        sql`q(n, iid, pid, uid, care_days, clinical)`,
      ),
    )
    .innerJoin('ward.patients', (join) =>
      join.onRef('institution_id', '=', 'q.iid').onRef('id', '=', 'q.pid'),
    )
    .select(COLUMNS)
    .select([
      'q.n',
      'q.clinical',
      sql<boolean>`q.clinical AND ${facts.care}`.as('care'),
      sql<Date | null>`CASE WHEN q.clinical THEN ${facts.justifiedUntil} END`.as('justified_until'),
    ]);
});

/**
 * Reads patients for concurrent requests in one statement (see Coalescer): the most frequent read
 * in Ward. Each request's answer is still read after the request arrived, with its own
 * institution, patient and reader.
 */
export class PatientReader {
  readonly #db: Kysely<Schema>;
  readonly #batches: Coalescer<PatientReadRequest, PatientRead | undefined>;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
    this.#batches = new Coalescer((requests) => this.#readBatch(requests));
  }

  read(request: PatientReadRequest): Promise<PatientRead | undefined> {
    return this.#batches.submit(request);
  }

  async #readBatch(
    requests: readonly PatientReadRequest[],
  ): Promise<PromiseSettledResult<PatientRead | undefined>[]> {
    try {
      const found = await this.#select(requests);
      return requests.map((_, n) => ({ status: 'fulfilled', value: found.get(n) }));
    } catch (error) {
      if (requests.length === 1) throw error;
      // Whatever the database refused, it refuses only the request that asked it.
      return Promise.allSettled(requests.map(async (r) => (await this.#select([r])).get(0)));
    }
  }

  async #select(requests: readonly PatientReadRequest[]): Promise<Map<number, PatientRead>> {
    const column = <K extends keyof PatientReadRequest>(k: K) => requests.map((r) => r[k]);
    const { rows } = await READ_PATIENTS.run(this.#db, [
      requests.map((_, n) => n),
      column('institutionId'),
      column('patientId'),
      column('userId'),
      column('careRelationshipDays'),
      column('withClinical'),
    ]);
    return new Map(
      rows.map((row) => [
        row.n,
        {
          patient: toPatient(row),
          clinical: row.clinical ? { care: row.care, justified_until: row.justified_until } : null,
        },
      ]),
    );
  }
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

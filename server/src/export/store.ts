import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Schema } from '../db/schema.ts';
import { normaliseSearchName, type Sex } from '../patients/store.ts';
import type { EncounterRow, ExportPatient } from './formats.ts';

/**
 * Where an export reads: its own connection, the one that holds the export lock, so an export uses
 * one pooled connection however long it runs. Queries are built with Kysely (`db` only compiles).
 */
export interface ExportSource {
  readonly db: Kysely<Schema>;
  readonly connection: pg.ClientBase;
}

/** What an export of patients may be narrowed to. */
export interface PatientExportFilter {
  readonly q?: string | undefined;
  readonly birthDateFrom?: string | undefined;
  readonly birthDateTo?: string | undefined;
}

/**
 * One batch of an institution's patients in id order, after `afterId`: each batch is a range scan
 * of the primary key, so an export of a million patients reads each row once. (Ordering by name
 * would sort the whole remainder for every batch.) Ids are UUIDv7, so this is also the order of
 * registration, and patients registered during an export come at its end.
 */
export async function patientBatch(
  source: ExportSource,
  institutionId: string,
  filter: PatientExportFilter,
  afterId: string | undefined,
  limit: number,
): Promise<ExportPatient[]> {
  let query = source.db
    .selectFrom('ward.patients')
    // Text the formats use as it is: no dates to parse and print again, row after row.
    .select([
      'id',
      'identifier_type as identifierType',
      'identifier_value as identifierValue',
      'family_name as familyName',
      'given_names as givenNames',
      sql<string>`to_char(birth_date, 'YYYY-MM-DD')`.as('birthDate'),
      sql<Sex>`sex`.as('sex'),
      'phone',
      'email',
      'address',
      'version',
      sql<string>`to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('lastUpdated'),
    ])
    .where('institution_id', '=', institutionId);
  // The same name matching as the patient search: a prefix of the normalised "family given".
  if (filter.q !== undefined)
    query = query.where(sql<boolean>`starts_with(search_name, ${normaliseSearchName(filter.q)})`);
  if (filter.birthDateFrom !== undefined) query = query.where('birth_date', '>=', filter.birthDateFrom);
  if (filter.birthDateTo !== undefined) query = query.where('birth_date', '<=', filter.birthDateTo);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const compiled = query.orderBy('id').limit(limit).compile();
  // Rows as arrays, in the order selected above: pg then builds no object per row, which is most of
  // its cost on a million rows.
  const result = await source.connection.query<PatientTuple>({
    text: compiled.sql,
    values: [...compiled.parameters],
    rowMode: 'array',
  });
  return result.rows.map(
    ([
      id,
      identifierType,
      identifierValue,
      familyName,
      givenNames,
      birthDate,
      sex,
      phone,
      email,
      address,
      version,
      lastUpdated,
    ]) => ({
      id,
      identifierType,
      identifierValue,
      familyName,
      givenNames,
      birthDate,
      sex,
      phone,
      email,
      address,
      version,
      lastUpdated,
    }),
  );
}

type PatientTuple = [
  id: string,
  identifierType: string,
  identifierValue: string,
  familyName: string,
  givenNames: string,
  birthDate: string,
  sex: Sex,
  phone: string | null,
  email: string | null,
  address: string | null,
  version: number,
  lastUpdated: string,
];

/**
 * One batch of encounters in id order, after `afterId`, of only those patients `userId` may see now:
 * a care relationship (an encounter of their own within `careRelationshipDays`) or a justification
 * that has not expired.
 */
export async function encounterBatch(
  source: ExportSource,
  access: { institutionId: string; userId: string; careRelationshipDays: number },
  afterId: string | undefined,
  limit: number,
): Promise<EncounterRow[]> {
  let query = source.db
    .selectFrom('ward.encounters as e')
    .select([
      'e.id',
      'e.patient_id as patientId',
      'e.occurred_at as occurredAt',
      'e.type',
      'e.reason',
      'e.author_id as authorId',
    ])
    .where('e.institution_id', '=', access.institutionId)
    .where(
      sql<boolean>`(EXISTS (SELECT 1 FROM ward.encounters c
          WHERE c.institution_id = e.institution_id AND c.patient_id = e.patient_id AND c.author_id = ${access.userId}
            AND c.occurred_at > now() - make_interval(days => ${access.careRelationshipDays}))
        OR EXISTS (SELECT 1 FROM ward.access_justifications j
          WHERE j.institution_id = e.institution_id AND j.patient_id = e.patient_id AND j.user_id = ${access.userId}
            AND j.expires_at > now()))`,
    );
  if (afterId !== undefined) query = query.where('e.id', '>', afterId);
  const compiled = query.orderBy('e.id').limit(limit).compile();
  const result = await source.connection.query<EncounterRow>(compiled.sql, [...compiled.parameters]);
  return result.rows;
}

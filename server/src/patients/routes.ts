import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { requireAccess } from '../access/authorize.ts';
import { clinicalAccessFrom } from '../access/clinical-access.ts';
import { requestContext, type AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import {
  getPatient,
  PatientReader,
  insertPatient,
  normaliseSearchName,
  searchPatients,
  updatePatient,
  type Demographics,
  type Patient,
  type PatientSearch,
} from './store.ts';

export interface PatientRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
}

const Iid = Type.Object({ iid: Type.String({ format: 'uuid' }) });
const IidPid = Type.Object({ iid: Type.String({ format: 'uuid' }), pid: Type.String({ format: 'uuid' }) });

// PostgreSQL text cannot hold NUL: refuse it as invalid input rather than fail in the database.
// Required text must also hold more than spaces, since it is stored trimmed. (Linear patterns.)
const NO_NUL = '^[^\\u0000]*$';
const SOME_TEXT = '^\\s*[^\\s\\u0000][^\\u0000]*$';
const text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: SOME_TEXT });
const optionalText = (max: number) =>
  Type.Union([Type.String({ maxLength: max, pattern: NO_NUL }), Type.Null()]);

// Year 0 passes the date format but PostgreSQL has no such year.
const BirthDate = Type.String({ format: 'date', pattern: '^(?!0000-)' });
// Versions are PostgreSQL integers: a larger number cannot be one this server issued.
const MAX_VERSION = 2_147_483_647;

const demographicsFields = {
  identifierType: text(40),
  identifierValue: text(64),
  familyName: text(200),
  givenNames: text(200),
  birthDate: BirthDate,
  sex: Type.Union([
    Type.Literal('female'),
    Type.Literal('male'),
    Type.Literal('other'),
    Type.Literal('unknown'),
  ]),
  phone: Type.Optional(optionalText(40)),
  email: Type.Optional(optionalText(200)),
  address: Type.Optional(optionalText(500)),
};

export const DemographicsBody = Type.Object(demographicsFields, { additionalProperties: false });

// One flat object: an intersection with a closed object would refuse the `version` field.
const UpdateBody = Type.Object(
  { ...demographicsFields, version: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VERSION })) },
  { additionalProperties: false },
);

const PatientResponse = Type.Object({
  id: Type.String(),
  identifierType: Type.String(),
  identifierValue: Type.String(),
  familyName: Type.String(),
  givenNames: Type.String(),
  birthDate: Type.String(),
  sex: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
});

const SearchQuery = Type.Object(
  {
    q: Type.Optional(text(200)),
    mode: Type.Optional(Type.Union([Type.Literal('prefix'), Type.Literal('fuzzy')])),
    identifier: Type.Optional(text(64)),
    identifierType: Type.Optional(text(40)),
    birthDate: Type.Optional(BirthDate),
    cursor: Type.Optional(Type.String({ maxLength: 600 })),
    // Query strings arrive as text (types are not coerced): 1 to 100, spelled as digits.
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|100)$' })),
  },
  { additionalProperties: false },
);

function toResponse(p: Patient): Static<typeof PatientResponse> {
  return {
    id: p.id,
    identifierType: p.identifierType,
    identifierValue: p.identifierValue,
    familyName: p.familyName,
    givenNames: p.givenNames,
    birthDate: p.birthDate,
    sex: p.sex,
    phone: p.phone,
    email: p.email,
    address: p.address,
    version: p.version,
    updatedAt: p.updatedAt.toISOString(),
  };
}

function demographicsOf(body: Static<typeof DemographicsBody>): Demographics {
  // A day of leeway: the client's today may be tomorrow in UTC.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  if (body.birthDate > tomorrow) throw new ApiError('bad_request', 'A birth date cannot be in the future.');
  return {
    identifierType: body.identifierType.trim(),
    identifierValue: body.identifierValue.trim(),
    familyName: body.familyName.trim(),
    givenNames: body.givenNames.trim(),
    birthDate: body.birthDate,
    sex: body.sex,
    phone: body.phone ?? null,
    email: body.email ?? null,
    address: body.address ?? null,
  };
}

// Opaque page cursors: where the previous page ended.
function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw new ApiError('bad_request', 'The cursor is not one this server issued; start the search again.');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A forged cursor must be refused here, not reach the database as a malformed uuid or a NUL.
const isKeyset = (v: unknown): v is { name: string; id: string } => {
  if (typeof v !== 'object' || v === null) return false;
  const { name, id } = v as { name?: unknown; id?: unknown };
  return (
    typeof name === 'string' &&
    name.length <= 450 &&
    !name.includes('\u0000') &&
    typeof id === 'string' &&
    UUID.test(id)
  );
};
const isOffset = (v: unknown): v is { offset: number } =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as { offset?: unknown }).offset) &&
  (v as { offset: number }).offset >= 0 &&
  (v as { offset: number }).offset <= 10_000;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Patients: search, create, read and update demographics, with optimistic concurrency. */
export function registerPatientRoutes(app: WardApp, deps: PatientRouteDeps): void {
  const { db, audit } = deps;
  const patients = new PatientReader(db);

  app.get(
    '/api/institutions/:iid/patients',
    {
      config: { permission: 'patient.search' },
      schema: {
        tags: ['patients'],
        params: Iid,
        querystring: SearchQuery,
        response: {
          200: Type.Object({
            items: Type.Array(PatientResponse),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const query = request.query;
      const limit = query.limit === undefined ? 25 : Number(query.limit);
      let search: PatientSearch;
      if (query.identifier !== undefined) {
        search = { kind: 'identifier', value: query.identifier, type: query.identifierType };
      } else if (query.q !== undefined && query.mode === 'fuzzy') {
        const offset = query.cursor ? decodeCursor(query.cursor, isOffset).offset : 0;
        search = { kind: 'fuzzy', name: query.q, offset };
      } else if (query.q !== undefined) {
        search = {
          kind: 'prefix',
          name: query.q,
          after: query.cursor ? decodeCursor(query.cursor, isKeyset) : undefined,
        };
      } else if (query.birthDate !== undefined) {
        search = {
          kind: 'birthDate',
          date: query.birthDate,
          after: query.cursor ? decodeCursor(query.cursor, isKeyset) : undefined,
        };
      } else {
        throw new ApiError('bad_request', 'Search by name (q), identifier, or birthDate.');
      }
      const rows = await searchPatients(db, access.institutionId, search, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      let nextCursor: string | null = null;
      if (rows.length > limit && last) {
        nextCursor =
          search.kind === 'fuzzy'
            ? encodeCursor({ offset: search.offset + limit })
            : encodeCursor({ name: last.searchName, id: last.id });
      }
      await audit.record({
        ...requestContext(request),
        action: 'patient.search',
        outcome: 'success',
        institutionId: access.institutionId,
        // What kind of search and how many results, never the searched name itself.
        details: {
          by: search.kind,
          results: page.length,
          nameLength: query.q ? normaliseSearchName(query.q).length : undefined,
        },
      });
      return { items: page.map(toResponse), nextCursor };
    },
  );

  app.post(
    '/api/institutions/:iid/patients',
    {
      config: { permission: 'patient.create' },
      schema: { tags: ['patients'], params: Iid, body: DemographicsBody, response: { 201: PatientResponse } },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const demographics = demographicsOf(request.body);
      const patient = await db
        .transaction()
        .execute(async (trx) => {
          const id = await insertPatient(trx, access.institutionId, demographics);
          await audit.record(
            {
              ...requestContext(request),
              action: 'patient.create',
              outcome: 'success',
              institutionId: access.institutionId,
              patientId: id,
              targetType: 'patient',
              targetId: id,
            },
            trx,
          );
          return getPatient(trx, access.institutionId, id);
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) {
            throw new ApiError(
              'conflict',
              'Another patient of this institution already has this identifier.',
            );
          }
          throw error;
        });
      if (!patient) throw new Error('patient vanished after insert');
      void reply.status(201).header('etag', `"${patient.version}"`);
      return toResponse(patient);
    },
  );

  app.get(
    '/api/institutions/:iid/patients/:pid',
    {
      config: { permission: 'patient.read' },
      schema: {
        tags: ['patients'],
        params: IidPid,
        response: {
          200: Type.Intersect([
            PatientResponse,
            Type.Object({
              clinicalAccess: Type.Union([
                Type.Object({
                  allowed: Type.Boolean(),
                  basis: Type.Union([
                    Type.Literal('care_relationship'),
                    Type.Literal('justification'),
                    Type.Null(),
                  ]),
                  justifiedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
                }),
                Type.Null(),
              ]),
            }),
          ]),
        },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const found = await patients.read({
        institutionId: access.institutionId,
        patientId: request.params.pid,
        userId: access.userId,
        careRelationshipDays: access.careRelationshipDays,
        withClinical: access.can('clinical.read'),
      });
      if (!found) throw new ApiError('not_found', 'No such patient in this institution.');
      const { patient } = found;
      const clinical = found.clinical && clinicalAccessFrom(found.clinical);
      await audit.record({
        ...requestContext(request),
        action: 'patient.read',
        outcome: 'success',
        institutionId: access.institutionId,
        patientId: patient.id,
        targetType: 'patient',
        targetId: patient.id,
      });
      void reply.header('etag', `"${patient.version}"`);
      return {
        ...toResponse(patient),
        clinicalAccess: clinical && {
          allowed: clinical.allowed,
          basis: clinical.basis,
          justifiedUntil: clinical.justifiedUntil?.toISOString() ?? null,
        },
      };
    },
  );

  app.put(
    '/api/institutions/:iid/patients/:pid',
    {
      config: { permission: 'patient.update' },
      schema: {
        tags: ['patients'],
        params: IidPid,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 20 })) }),
        body: UpdateBody,
        response: { 200: PatientResponse },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const header = request.headers['if-match'];
      const version =
        header === undefined ? request.body.version : Number(header.replace(/^W\//, '').replace(/"/g, ''));
      if (version === undefined || !Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
        throw new ApiError(
          'precondition_required',
          'Send the version you read (If-Match header or "version" field), so no one else\'s edit is overwritten.',
        );
      }
      const demographics = demographicsOf(request.body);
      const updated = await db
        .transaction()
        .execute(async (trx) => {
          const before = await getPatient(trx, access.institutionId, request.params.pid);
          if (!before) throw new ApiError('not_found', 'No such patient in this institution.');
          const newVersion = await updatePatient(trx, access.institutionId, before.id, version, demographics);
          if (newVersion === undefined) {
            throw new ApiError(
              'version_conflict',
              'Someone else changed this patient since you read it: reload and apply your change again.',
              {
                details: { currentVersion: before.version },
              },
            );
          }
          const changed = (Object.keys(demographics) as (keyof Demographics)[]).filter(
            (k) => demographics[k] !== before[k],
          );
          await audit.record(
            {
              ...requestContext(request),
              action: 'patient.update',
              outcome: 'success',
              institutionId: access.institutionId,
              patientId: before.id,
              targetType: 'patient',
              targetId: before.id,
              // Which fields changed, not their values: the trail holds no personal data.
              details: { changed, version: newVersion },
            },
            trx,
          );
          return getPatient(trx, access.institutionId, before.id);
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) {
            throw new ApiError(
              'conflict',
              'Another patient of this institution already has this identifier.',
            );
          }
          throw error;
        });
      if (!updated) throw new Error('patient vanished after update');
      void reply.header('etag', `"${updated.version}"`);
      return toResponse(updated);
    },
  );
}

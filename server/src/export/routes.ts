import { Readable } from 'node:stream';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { requireAccess, type InstitutionAccess } from '../access/authorize.ts';
import { requestContext, type AuditLog } from '../audit/log.ts';
import { requireAuth } from '../auth/sessions/http.ts';
import type { StepUpService } from '../auth/step-up/service.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { normaliseSearchName, searchPatients } from '../patients/store.ts';
import {
  csvLine,
  ENCOUNTER_CSV_HEADER,
  encounterCsvValues,
  fhirEncounter,
  fhirPatient,
  PATIENT_CSV_HEADER,
  patientCsvValues,
  type EncounterRow,
} from './formats.ts';

export interface ExportRouteDeps {
  readonly db: Kysely<Schema>;
  readonly pool: pg.Pool;
  readonly audit: AuditLog;
  readonly stepUp: StepUpService;
}

const BATCH = 2_000;

const Query = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    birthDateFrom: Type.Optional(Type.String({ format: 'date' })),
    birthDateTo: Type.Optional(Type.String({ format: 'date' })),
  },
  { additionalProperties: false },
);

interface Filter {
  q?: string | undefined;
  birthDateFrom?: string | undefined;
  birthDateTo?: string | undefined;
}

async function* patientBatches(db: Kysely<Schema>, institutionId: string, filter: Filter) {
  let after: { name: string; id: string } | undefined;
  for (;;) {
    const rows = await searchPatients(
      db,
      institutionId,
      { kind: 'prefix', name: filter.q ?? '', after },
      BATCH,
    );
    const kept = rows.filter(
      (p) =>
        (filter.birthDateFrom === undefined || p.birthDate >= filter.birthDateFrom) &&
        (filter.birthDateTo === undefined || p.birthDate <= filter.birthDateTo),
    );
    if (kept.length > 0) yield kept;
    const last = rows[rows.length - 1];
    if (!last || rows.length < BATCH) return;
    after = { name: last.searchName, id: last.id };
  }
}

async function* encounterBatches(db: Kysely<Schema>, access: InstitutionAccess) {
  let afterId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    // Only encounters of patients this clinician may see now: a care relationship or a justification.
    const rows = await db
      .selectFrom('ward.encounters as e')
      .select(['e.id', 'e.patient_id', 'e.occurred_at', 'e.type', 'e.reason', 'e.author_id'])
      .where('e.institution_id', '=', access.institutionId)
      .where('e.id', '>', afterId)
      .where(
        sql<boolean>`(EXISTS (SELECT 1 FROM ward.encounters c
            WHERE c.institution_id = e.institution_id AND c.patient_id = e.patient_id AND c.author_id = ${access.userId}
              AND c.occurred_at > now() - make_interval(days => ${access.careRelationshipDays}))
          OR EXISTS (SELECT 1 FROM ward.access_justifications j
            WHERE j.institution_id = e.institution_id AND j.patient_id = e.patient_id AND j.user_id = ${access.userId}
              AND j.expires_at > now()))`,
      )
      .orderBy('e.id')
      .limit(BATCH)
      .execute();
    if (rows.length > 0) {
      yield rows.map((r): EncounterRow => ({
        id: r.id,
        patientId: r.patient_id,
        occurredAt: r.occurred_at,
        type: r.type,
        reason: r.reason,
        authorId: r.author_id,
      }));
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < BATCH) return;
    afterId = last.id;
  }
}

/**
 * Holds a session-level advisory lock on a dedicated connection for the whole export: one export
 * at a time per user, on every node.
 */
async function lockExports(pool: pg.Pool, userId: string): Promise<pg.PoolClient> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended('ward-export:' || $1, 0)) AS locked`,
      [userId],
    );
    if (rows[0]?.locked) return client;
  } catch (error) {
    client.release();
    throw error;
  }
  client.release();
  throw new ApiError('conflict', 'An export of yours is already running; wait for it to finish.');
}

async function unlockExports(client: pg.PoolClient, userId: string): Promise<void> {
  try {
    await client.query(`SELECT pg_advisory_unlock(hashtextextended('ward-export:' || $1, 0))`, [userId]);
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
  }
}

/**
 * Data export: only with the member's export permission (granted by administrators, e.g. after
 * checking the device's anti-malware), inside access hours (the permission check), after a fresh
 * re-authentication; streamed in batches with constant memory; audited with the filter and count.
 */
export function registerExportRoutes(app: WardApp, deps: ExportRouteDeps): void {
  const { db, pool, audit, stepUp } = deps;

  async function gate(request: FastifyRequest): Promise<InstitutionAccess> {
    const access = requireAccess(request);
    if (!access.exportPermission) {
      await audit.record({
        ...requestContext(request),
        action: 'export.denied',
        outcome: 'denied',
        institutionId: access.institutionId,
        reason: 'no_export_permission',
      });
      throw new ApiError(
        'export_not_permitted',
        'You do not have the export permission in this institution; an administrator grants it per user.',
      );
    }
    await stepUp.requireRecent(requireAuth(request).sessionId);
    return access;
  }

  function stream<T>(
    request: FastifyRequest,
    access: InstitutionAccess,
    lock: pg.PoolClient,
    what: 'patients' | 'encounters',
    format: 'csv' | 'ndjson',
    filter: Filter,
    batches: AsyncGenerator<T[]>,
    header: string[],
    toCsv: (row: T) => (string | number | null)[],
    toFhir: (row: T) => Record<string, unknown>,
  ): Readable {
    const context = requestContext(request);
    let count = 0;
    let completed = false;
    async function* lines(): AsyncGenerator<string> {
      try {
        if (format === 'csv') yield csvLine(header);
        for await (const batch of batches) {
          let chunk = '';
          for (const row of batch) {
            chunk += format === 'csv' ? csvLine(toCsv(row)) : `${JSON.stringify(toFhir(row))}\n`;
          }
          count += batch.length;
          yield chunk;
        }
        completed = true;
      } finally {
        await unlockExports(lock, access.userId);
        await audit
          .record({
            ...context,
            action: `export.${what}`,
            outcome: completed ? 'success' : 'failure',
            institutionId: access.institutionId,
            details: {
              format,
              records: count,
              completed,
              filter: {
                ...filter,
                q: filter.q === undefined ? undefined : `${normaliseSearchName(filter.q).length} chars`,
              },
            },
          })
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'export audit failed');
          });
      }
    }
    return Readable.from(lines(), { objectMode: false });
  }

  app.get(
    '/api/institutions/:iid/exports/patients',
    {
      config: { permission: 'export.run' },
      schema: {
        tags: ['export'],
        params: Type.Object({ iid: Type.String({ format: 'uuid' }) }),
        querystring: Query,
      },
    },
    async (request, reply) => {
      const access = await gate(request);
      if (!access.can('patient.read')) throw new ApiError('forbidden', 'Your role does not read patients.');
      const lock = await lockExports(pool, access.userId);
      const { format, ...filter } = request.query;
      const body = stream(
        request,
        access,
        lock,
        'patients',
        format,
        filter,
        patientBatches(db, access.institutionId, filter),
        PATIENT_CSV_HEADER,
        patientCsvValues,
        fhirPatient,
      );
      void reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/fhir+ndjson')
        .header(
          'content-disposition',
          `attachment; filename="patients.${format === 'csv' ? 'csv' : 'ndjson'}"`,
        );
      return reply.send(body);
    },
  );

  app.get(
    '/api/institutions/:iid/exports/encounters',
    {
      config: { permission: 'export.run' },
      schema: {
        tags: ['export'],
        params: Type.Object({ iid: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object(
          { format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const access = await gate(request);
      // Encounters are clinical: only roles that read clinical data export them.
      if (!access.can('clinical.read'))
        throw new ApiError('forbidden', 'Your role does not read clinical data.');
      const lock = await lockExports(pool, access.userId);
      const { format } = request.query;
      const body = stream(
        request,
        access,
        lock,
        'encounters',
        format,
        {},
        encounterBatches(db, access),
        ENCOUNTER_CSV_HEADER,
        encounterCsvValues,
        fhirEncounter,
      );
      void reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/fhir+ndjson')
        .header(
          'content-disposition',
          `attachment; filename="encounters.${format === 'csv' ? 'csv' : 'ndjson'}"`,
        );
      return reply.send(body);
    },
  );
}

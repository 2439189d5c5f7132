import { Readable } from 'node:stream';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { requireAccess, type InstitutionAccess } from '../access/authorize.ts';
import { requestContext, type AuditLog } from '../audit/log.ts';
import { requireAuth } from '../auth/sessions/http.ts';
import type { StepUpService } from '../auth/step-up/service.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { normaliseSearchName } from '../patients/store.ts';
import {
  csvLine,
  ENCOUNTER_CSV_HEADER,
  encounterCsvValues,
  fhirEncounter,
  fhirPatientLine,
  PATIENT_CSV_HEADER,
  patientCsvLine,
} from './formats.ts';
import { encounterBatch, patientBatch, type PatientExportFilter } from './store.ts';

export interface ExportRouteDeps {
  readonly db: Kysely<Schema>;
  readonly pool: pg.Pool;
  readonly audit: AuditLog;
  readonly stepUp: StepUpService;
}

/** Rows per query: large enough that the round trips cost little, small enough to stay a few MB. */
const BATCH = 5_000;
/**
 * Characters per piece written out. Pieces this small are collected young; a whole batch as one
 * string (megabytes) would land in the old generation and the heap would grow until a full GC.
 */
const PIECE = 64 * 1024;

const Query = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    birthDateFrom: Type.Optional(Type.String({ format: 'date' })),
    birthDateTo: Type.Optional(Type.String({ format: 'date' })),
  },
  { additionalProperties: false },
);

type Filter = PatientExportFilter;

/**
 * Reads batches one after another, each after the last id of the one before, until one falls short.
 * The next batch is asked for as soon as one arrives, so the database reads it while this one is
 * being written out.
 */
async function* batches<T extends { id: string }>(
  read: (afterId: string | undefined) => Promise<T[]>,
): AsyncGenerator<T[]> {
  let pending: Promise<T[]> | undefined = read(undefined);
  try {
    while (pending) {
      const rows: T[] = await pending;
      const last = rows[rows.length - 1];
      pending = last && rows.length === BATCH ? read(last.id) : undefined;
      if (rows.length > 0) yield rows;
    }
  } finally {
    // Abandoned half-way: the read already under way must settle before the connection goes back.
    await pending?.catch(() => undefined);
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
    await stepUp.requireRecent(requireAuth(request).sessionId, 'export');
    return access;
  }

  function stream<T>(
    request: FastifyRequest,
    access: InstitutionAccess,
    lock: pg.PoolClient,
    what: 'patients' | 'encounters',
    format: 'csv' | 'ndjson',
    filter: Filter,
    rows: AsyncGenerator<T[]>,
    header: string[],
    toLine: { csv: (row: T) => string; ndjson: (row: T) => string },
  ): Readable {
    const context = requestContext(request);
    const line = toLine[format];
    let count = 0;
    let completed = false;
    let finished: Promise<void> | undefined;
    // Once only, whichever comes first: the end of the rows, or the stream closing before they
    // were ever read (a client gone at once), which would otherwise hold the lock for good.
    const finish = (): Promise<void> =>
      (finished ??= (async () => {
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
      })());
    async function* pieces(): AsyncGenerator<string> {
      try {
        if (format === 'csv') yield csvLine(header);
        for await (const batch of rows) {
          let piece = '';
          let rowsInPiece = 0;
          for (const row of batch) {
            piece += line(row);
            rowsInPiece++;
            if (piece.length >= PIECE) {
              // Counted as they are handed to the response: an abandoned export says how far it got.
              count += rowsInPiece;
              yield piece;
              piece = '';
              rowsInPiece = 0;
            }
          }
          count += rowsInPiece;
          if (piece !== '') yield piece;
        }
        completed = true;
      } finally {
        await finish();
      }
    }
    const body = Readable.from(pieces(), { objectMode: false });
    body.once('close', () => void finish());
    return body;
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
      // The role first: nobody is asked to re-authenticate for what their role can never do.
      if (!requireAccess(request).can('patient.read'))
        throw new ApiError('forbidden', 'Your role does not read patients.');
      const access = await gate(request);
      const lock = await lockExports(pool, access.userId);
      const source = { db, connection: lock };
      const { format, ...filter } = request.query;
      const body = stream(
        request,
        access,
        lock,
        'patients',
        format,
        filter,
        batches((afterId) => patientBatch(source, access.institutionId, filter, afterId, BATCH)),
        PATIENT_CSV_HEADER,
        { csv: patientCsvLine, ndjson: fhirPatientLine },
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
      // Encounters are clinical: only roles that read clinical data export them.
      if (!requireAccess(request).can('clinical.read'))
        throw new ApiError('forbidden', 'Your role does not read clinical data.');
      const access = await gate(request);
      const lock = await lockExports(pool, access.userId);
      const source = { db, connection: lock };
      const { format } = request.query;
      const body = stream(
        request,
        access,
        lock,
        'encounters',
        format,
        {},
        batches((afterId) => encounterBatch(source, access, afterId, BATCH)),
        ENCOUNTER_CSV_HEADER,
        {
          csv: (e) => csvLine(encounterCsvValues(e)),
          ndjson: (e) => `${JSON.stringify(fhirEncounter(e))}\n`,
        },
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

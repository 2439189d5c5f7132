import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { requireAccess, type InstitutionAccess } from '../access/authorize.ts';
import {
  JUSTIFICATION_REASONS,
  justifyAccess,
  liveJustificationId,
  requireClinicalAccess,
} from '../access/clinical-access.ts';
import { requestContext, type AuditEvent, type AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { getPatient } from '../patients/store.ts';
import { readClinicalRecord } from './store.ts';

export interface RecordRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
}

const IidPid = Type.Object({ iid: Type.String({ format: 'uuid' }), pid: Type.String({ format: 'uuid' }) });
const IidPidEid = Type.Object({
  iid: Type.String({ format: 'uuid' }),
  pid: Type.String({ format: 'uuid' }),
  eid: Type.String({ format: 'uuid' }),
});
const IidPidEidNid = Type.Object({
  iid: Type.String({ format: 'uuid' }),
  pid: Type.String({ format: 'uuid' }),
  eid: Type.String({ format: 'uuid' }),
  nid: Type.String({ format: 'uuid' }),
});

// How far ahead of this server's clock a client's time may be.
const CLOCK_SKEW_MS = 5 * 60_000;

const EncounterType = Type.Union([
  Type.Literal('outpatient'),
  Type.Literal('inpatient'),
  Type.Literal('emergency'),
  Type.Literal('home'),
  Type.Literal('telehealth'),
]);

const Note = Type.Object({
  id: Type.String(),
  authorId: Type.String(),
  authorName: Type.String(),
  subjective: Type.String(),
  objective: Type.String(),
  assessment: Type.String(),
  plan: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('signed')]),
  signedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  amendsNoteId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});

const Encounter = Type.Object({
  id: Type.String(),
  occurredAt: Type.String({ format: 'date-time' }),
  type: Type.String(),
  reason: Type.String(),
  authorId: Type.String(),
  authorName: Type.String(),
  notes: Type.Array(Note),
  diagnoses: Type.Array(Type.Object({ id: Type.String(), code: Type.String(), description: Type.String() })),
});

const Allergy = Type.Object({
  id: Type.String(),
  substance: Type.String(),
  reaction: Type.String(),
  severity: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

// PostgreSQL text cannot hold NUL: refuse it as invalid input rather than fail in the database.
const NO_NUL = '^[^\\u0000]*$';
const text = (options: { minLength?: number; maxLength: number }) =>
  Type.String({ ...options, pattern: NO_NUL });

const noteFields = {
  subjective: text({ maxLength: 20_000 }),
  objective: text({ maxLength: 20_000 }),
  assessment: text({ maxLength: 20_000 }),
  plan: text({ maxLength: 20_000 }),
  sign: Type.Optional(Type.Boolean()),
};

const NoteBody = Type.Object(
  { ...noteFields, amendsNoteId: Type.Optional(Type.String({ format: 'uuid' })) },
  { additionalProperties: false },
);

// One flat object: an intersection with a closed object would refuse the `version` field.
const NoteUpdateBody = Type.Object(
  // Versions are PostgreSQL integers: a larger number cannot be one this server issued.
  { ...noteFields, version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

async function requirePatient(
  db: Kysely<Schema>,
  access: InstitutionAccess,
  patientId: string,
): Promise<void> {
  if (!(await getPatient(db, access.institutionId, patientId))) {
    throw new ApiError('not_found', 'No such patient in this institution.');
  }
}

function event(
  request: FastifyRequest,
  access: InstitutionAccess,
  patientId: string,
  rest: Omit<AuditEvent, 'outcome'>,
): AuditEvent {
  return {
    ...requestContext(request),
    outcome: 'success',
    institutionId: access.institutionId,
    patientId,
    ...rest,
  };
}

/**
 * The clinical record: encounters, notes (signed notes are immutable; corrections amend them),
 * diagnoses and allergies, and justified access for clinicians without a care relationship.
 */
export function registerRecordRoutes(app: WardApp, deps: RecordRouteDeps): void {
  const { db, audit } = deps;

  app.post(
    '/api/institutions/:iid/patients/:pid/access',
    {
      config: { permission: 'clinical.read' },
      schema: {
        tags: ['records'],
        params: IidPid,
        body: Type.Object(
          {
            reason: Type.Union(JUSTIFICATION_REASONS.map((r) => Type.Literal(r))),
            detail: Type.Optional(text({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
        },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      await requirePatient(db, access, request.params.pid);
      const grant = await justifyAccess(
        db,
        audit,
        access,
        { patientId: request.params.pid, reason: request.body.reason, detail: request.body.detail ?? '' },
        requestContext(request),
      );
      void reply.status(201);
      return { id: grant.id, expiresAt: grant.expiresAt.toISOString() };
    },
  );

  app.get(
    '/api/institutions/:iid/patients/:pid/record',
    {
      config: { permission: 'clinical.read' },
      schema: {
        tags: ['records'],
        params: IidPid,
        response: { 200: Type.Object({ encounters: Type.Array(Encounter), allergies: Type.Array(Allergy) }) },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      await requirePatient(db, access, request.params.pid);
      const basis = await requireClinicalAccess(db, access, request.params.pid);
      const record = await readClinicalRecord(db, access.institutionId, request.params.pid);
      await audit.record(
        event(request, access, request.params.pid, {
          action: 'clinical.read',
          targetType: 'patient',
          targetId: request.params.pid,
          details: { basis: basis.basis, encounters: record.encounters.length },
        }),
      );
      return record;
    },
  );

  app.get(
    '/api/institutions/:iid/patients/:pid/encounters',
    {
      config: { permission: 'clinical.read' },
      schema: {
        tags: ['records'],
        params: IidPid,
        response: { 200: Type.Object({ items: Type.Array(Encounter) }) },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      await requirePatient(db, access, request.params.pid);
      const basis = await requireClinicalAccess(db, access, request.params.pid);
      const record = await readClinicalRecord(db, access.institutionId, request.params.pid);
      await audit.record(
        event(request, access, request.params.pid, {
          action: 'clinical.read',
          targetType: 'encounters',
          targetId: request.params.pid,
          details: { basis: basis.basis, encounters: record.encounters.length },
        }),
      );
      return { items: record.encounters };
    },
  );

  app.post(
    '/api/institutions/:iid/patients/:pid/encounters',
    {
      config: { permission: 'encounter.create' },
      schema: {
        tags: ['records'],
        params: IidPid,
        body: Type.Object(
          {
            occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
            type: EncounterType,
            reason: text({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }) },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const occurredAt = request.body.occurredAt ? new Date(request.body.occurredAt) : new Date();
      // An encounter dated ahead would keep its author's care relationship, and so their access to
      // the record, alive long past the window.
      // (A leap second passes the date-time format but is no time JavaScript can hold.)
      if (Number.isNaN(occurredAt.getTime()) || occurredAt.getTime() > Date.now() + CLOCK_SKEW_MS) {
        throw new ApiError('bad_request', 'An encounter must be dated at a real time, not in the future.');
      }
      await requirePatient(db, access, request.params.pid);
      // Writing to a record is opening it: the same care relationship or justification applies.
      const clinical = await requireClinicalAccess(db, access, request.params.pid);
      const id = uuidv7();
      await db.transaction().execute(async (trx) => {
        // Under a justified access, the encounter names it, and is no care relationship until that
        // access has been reviewed (migration 0009).
        let justificationId: string | null = null;
        if (clinical.basis === 'justification') {
          justificationId = (await liveJustificationId(trx, access, request.params.pid)) ?? null;
          if (justificationId === null) await requireClinicalAccess(trx, access, request.params.pid);
        }
        await trx
          .insertInto('ward.encounters')
          .values({
            institution_id: access.institutionId,
            id,
            patient_id: request.params.pid,
            author_id: access.userId,
            occurred_at: occurredAt,
            type: request.body.type,
            reason: request.body.reason,
            justification_id: justificationId,
          })
          .execute();
        await audit.record(
          event(request, access, request.params.pid, {
            action: 'encounter.create',
            targetType: 'encounter',
            targetId: id,
          }),
          trx,
        );
      });
      void reply.status(201);
      return { id };
    },
  );

  app.post(
    '/api/institutions/:iid/patients/:pid/encounters/:eid/notes',
    {
      config: { permission: 'note.write' },
      schema: {
        tags: ['records'],
        params: IidPidEid,
        body: NoteBody,
        response: { 201: Type.Object({ id: Type.String(), status: Type.String() }) },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { pid, eid } = request.params;
      await requirePatient(db, access, pid);
      await requireClinicalAccess(db, access, pid);
      const id = uuidv7();
      const sign = request.body.sign === true;
      await db.transaction().execute(async (trx) => {
        const encounter = await trx
          .selectFrom('ward.encounters')
          .select('id')
          .where('institution_id', '=', access.institutionId)
          .where('patient_id', '=', pid)
          .where('id', '=', eid)
          .executeTakeFirst();
        if (!encounter) throw new ApiError('not_found', 'No such encounter for this patient.');
        if (request.body.amendsNoteId) {
          const original = await trx
            .selectFrom('ward.clinical_notes')
            .select(['status'])
            .where('institution_id', '=', access.institutionId)
            .where('patient_id', '=', pid)
            .where('id', '=', request.body.amendsNoteId)
            .executeTakeFirst();
          if (!original)
            throw new ApiError('not_found', 'The note to amend does not exist for this patient.');
          if (original.status !== 'signed')
            throw new ApiError('conflict', 'Only signed notes are amended; edit the draft instead.');
        }
        await trx
          .insertInto('ward.clinical_notes')
          .values({
            institution_id: access.institutionId,
            id,
            encounter_id: eid,
            patient_id: pid,
            author_id: access.userId,
            subjective: request.body.subjective,
            objective: request.body.objective,
            assessment: request.body.assessment,
            plan: request.body.plan,
            status: sign ? 'signed' : 'draft',
            signed_at: sign ? new Date() : null,
            amends_note_id: request.body.amendsNoteId ?? null,
          })
          .execute();
        await audit.record(
          event(request, access, pid, {
            action: request.body.amendsNoteId ? 'note.amend' : 'note.create',
            targetType: 'note',
            targetId: id,
            details: { signed: sign, amends: request.body.amendsNoteId },
          }),
          trx,
        );
      });
      void reply.status(201);
      return { id, status: sign ? 'signed' : 'draft' };
    },
  );

  app.put(
    '/api/institutions/:iid/patients/:pid/encounters/:eid/notes/:nid',
    {
      config: { permission: 'note.write' },
      schema: {
        tags: ['records'],
        params: IidPidEidNid,
        body: NoteUpdateBody,
        response: { 200: Type.Object({ id: Type.String(), status: Type.String(), version: Type.Integer() }) },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { pid, eid, nid } = request.params;
      await requirePatient(db, access, pid);
      await requireClinicalAccess(db, access, pid);
      const sign = request.body.sign === true;
      return db.transaction().execute(async (trx) => {
        const note = await trx
          .selectFrom('ward.clinical_notes')
          .select(['status', 'author_id', 'version'])
          .where('institution_id', '=', access.institutionId)
          .where('patient_id', '=', pid)
          .where('encounter_id', '=', eid)
          .where('id', '=', nid)
          .executeTakeFirst();
        if (!note) throw new ApiError('not_found', 'No such note.');
        if (note.status === 'signed') {
          throw new ApiError('conflict', 'A signed note cannot change; write an amendment that corrects it.');
        }
        if (note.author_id !== access.userId)
          throw new ApiError('forbidden', 'Only the author edits or signs a draft note.');
        const updated = await trx
          .updateTable('ward.clinical_notes')
          .set({
            subjective: request.body.subjective,
            objective: request.body.objective,
            assessment: request.body.assessment,
            plan: request.body.plan,
            status: sign ? 'signed' : 'draft',
            signed_at: sign ? sql<Date>`now()` : null,
            version: sql`version + 1`,
            updated_at: sql`now()`,
          })
          .where('institution_id', '=', access.institutionId)
          .where('id', '=', nid)
          .where('version', '=', request.body.version)
          .returning(['version', 'status'])
          .executeTakeFirst();
        if (!updated) {
          throw new ApiError('version_conflict', 'This note changed since you read it: reload it first.', {
            details: { currentVersion: note.version },
          });
        }
        await audit.record(
          event(request, access, pid, {
            action: sign ? 'note.sign' : 'note.update',
            targetType: 'note',
            targetId: nid,
          }),
          trx,
        );
        return { id: nid, status: updated.status, version: updated.version };
      });
    },
  );

  app.post(
    '/api/institutions/:iid/patients/:pid/encounters/:eid/diagnoses',
    {
      config: { permission: 'diagnosis.write' },
      schema: {
        tags: ['records'],
        params: IidPidEid,
        body: Type.Object(
          {
            code: text({ minLength: 1, maxLength: 20 }),
            description: text({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }) },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { pid, eid } = request.params;
      await requirePatient(db, access, pid);
      await requireClinicalAccess(db, access, pid);
      const id = uuidv7();
      await db.transaction().execute(async (trx) => {
        const encounter = await trx
          .selectFrom('ward.encounters')
          .select('id')
          .where('institution_id', '=', access.institutionId)
          .where('patient_id', '=', pid)
          .where('id', '=', eid)
          .executeTakeFirst();
        if (!encounter) throw new ApiError('not_found', 'No such encounter for this patient.');
        await trx
          .insertInto('ward.diagnoses')
          .values({
            institution_id: access.institutionId,
            id,
            encounter_id: eid,
            patient_id: pid,
            code: request.body.code,
            description: request.body.description,
            recorded_by: access.userId,
          })
          .execute();
        await audit.record(
          event(request, access, pid, { action: 'diagnosis.create', targetType: 'diagnosis', targetId: id }),
          trx,
        );
      });
      void reply.status(201);
      return { id };
    },
  );

  app.post(
    '/api/institutions/:iid/patients/:pid/allergies',
    {
      config: { permission: 'allergy.write' },
      schema: {
        tags: ['records'],
        params: IidPid,
        body: Type.Object(
          {
            substance: text({ minLength: 1, maxLength: 200 }),
            reaction: Type.Optional(text({ maxLength: 500 })),
            severity: Type.Union([
              Type.Literal('mild'),
              Type.Literal('moderate'),
              Type.Literal('severe'),
              Type.Literal('unknown'),
            ]),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }) },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { pid } = request.params;
      await requirePatient(db, access, pid);
      await requireClinicalAccess(db, access, pid);
      const id = uuidv7();
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('ward.allergies')
          .values({
            institution_id: access.institutionId,
            id,
            patient_id: pid,
            substance: request.body.substance,
            reaction: request.body.reaction ?? '',
            severity: request.body.severity,
            recorded_by: access.userId,
          })
          .execute();
        await audit.record(
          event(request, access, pid, { action: 'allergy.create', targetType: 'allergy', targetId: id }),
          trx,
        );
      });
      void reply.status(201);
      return { id };
    },
  );
}

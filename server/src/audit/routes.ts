import { Type } from '@fastify/type-provider-typebox';
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../access/authorize.ts';
import { justificationsForReview } from '../access/clinical-access.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { requestContext, type AuditLog } from './log.ts';
import { readInstitutionTrail } from './trail-store.ts';

export interface AuditRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
}

const Iid = Type.Object({ iid: Type.String({ format: 'uuid' }) });

const AuditItem = Type.Object({
  id: Type.String(),
  occurredAt: Type.String({ format: 'date-time' }),
  institutionId: Type.Union([Type.String(), Type.Null()], {
    description: "The institution's id, or null for an account-level event of a member (a sign-in, say).",
  }),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorUsername: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  outcome: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  patientId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
});

/** The audit viewer (auditors and administrators) and the review list of justified accesses. */
export function registerAuditRoutes(app: WardApp, deps: AuditRouteDeps): void {
  const { db, audit } = deps;

  app.get(
    '/api/institutions/:iid/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        description:
          "The institution's audit trail, newest first: the events recorded in it, and the account-level events " +
          '(sign-ins, failed sign-ins) of its members, current and former, from when they joined. ' +
          "Never anyone else's account-level events: a failed sign-in under a username nobody has belongs to no institution.",
        params: Iid,
        querystring: Type.Object(
          {
            actor: Type.Optional(Type.String({ format: 'uuid' })),
            patient: Type.Optional(Type.String({ format: 'uuid' })),
            action: Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: '^[a-z0-9_.]+$' })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            // Within bigint: a longer number would fail in the database instead of being refused here.
            before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
            // Query strings arrive as text (types are not coerced): 1 to 500, spelled as digits.
            limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(AuditItem),
            nextBefore: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const q = request.query;
      // A leap second passes the date-time format but is no time JavaScript can hold.
      if ([q.from, q.to].some((t) => t !== undefined && Number.isNaN(new Date(t).getTime()))) {
        throw new ApiError('bad_request', '"from" and "to" must be real times.');
      }
      if (q.from && q.to && new Date(q.from) > new Date(q.to)) {
        throw new ApiError('bad_request', '"from" must not be after "to".');
      }
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      const page = await readInstitutionTrail(
        db,
        access.institutionId,
        {
          actorId: q.actor,
          patientId: q.patient,
          action: q.action,
          from: q.from === undefined ? undefined : new Date(q.from),
          to: q.to === undefined ? undefined : new Date(q.to),
          before: q.before,
        },
        limit,
      );
      await audit.record({
        ...requestContext(request),
        action: 'audit.read',
        outcome: 'success',
        institutionId: access.institutionId,
        details: {
          actor: q.actor,
          patient: q.patient,
          action: q.action,
          from: q.from,
          to: q.to,
          results: page.items.length,
        },
      });
      return {
        items: page.items.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() })),
        nextBefore: page.nextBefore,
      };
    },
  );

  app.get(
    '/api/institutions/:iid/access-justifications',
    {
      config: { permission: 'access.review' },
      schema: {
        tags: ['audit'],
        params: Iid,
        querystring: Type.Object(
          { unreviewed: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                userId: Type.String(),
                username: Type.String(),
                patientId: Type.String(),
                reason: Type.String(),
                detail: Type.String(),
                grantedAt: Type.String({ format: 'date-time' }),
                expiresAt: Type.String({ format: 'date-time' }),
                reviewedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const rows = await justificationsForReview(db, access.institutionId, {
        unreviewedOnly: request.query.unreviewed === 'true',
      });
      return {
        items: rows.map((r) => ({
          id: r.id,
          userId: r.user_id,
          username: r.username,
          patientId: r.patient_id,
          reason: r.reason,
          detail: r.detail,
          grantedAt: r.granted_at.toISOString(),
          expiresAt: r.expires_at.toISOString(),
          reviewedAt: r.reviewed_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post(
    '/api/institutions/:iid/access-justifications/:jid/review',
    {
      config: { permission: 'access.review' },
      schema: {
        tags: ['audit'],
        params: Type.Object({ iid: Type.String({ format: 'uuid' }), jid: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Object({ reviewed: Type.Boolean() }) },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      return db.transaction().execute(async (trx) => {
        const justification = await trx
          .selectFrom('ward.access_justifications')
          .select(['user_id', 'reviewed_at'])
          .where('institution_id', '=', access.institutionId)
          .where('id', '=', request.params.jid)
          .forUpdate()
          .executeTakeFirst();
        if (justification?.reviewed_at !== null)
          throw new ApiError('not_found', 'No such justification waiting for review.');
        // A review is a second person's look at the access: the one who stated the reason cannot
        // clear it from the list, whatever roles they also hold.
        if (justification.user_id === access.userId) {
          throw new ApiError(
            'forbidden',
            'You cannot review your own justified access: another auditor or administrator must.',
            { details: { reason: 'self' } },
          );
        }
        await trx
          .updateTable('ward.access_justifications')
          .set({ reviewed_at: sql`now()`, reviewed_by: access.userId })
          .where('institution_id', '=', access.institutionId)
          .where('id', '=', request.params.jid)
          .execute();
        await audit.record(
          {
            ...requestContext(request),
            action: 'access.reviewed',
            outcome: 'success',
            institutionId: access.institutionId,
            targetType: 'access_justification',
            targetId: request.params.jid,
          },
          trx,
        );
        return { reviewed: true };
      });
    },
  );
}

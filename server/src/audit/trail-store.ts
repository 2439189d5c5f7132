import { expressionBuilder, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { AuditEventsTable, Schema } from '../db/schema.ts';

/** What the audit viewer narrows an institution's trail to; every field is optional. */
export interface TrailFilter {
  readonly actorId?: string | undefined;
  readonly patientId?: string | undefined;
  readonly action?: string | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Only events older than this id: the previous page's `nextBefore`. */
  readonly before?: string | undefined;
}

export interface TrailEvent {
  readonly id: string;
  readonly occurredAt: Date;
  /** Null for an account-level event (a sign-in, say), which belongs to no one institution. */
  readonly institutionId: string | null;
  readonly actorId: string | null;
  readonly actorUsername: string | null;
  readonly action: string;
  readonly outcome: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly patientId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly reason: string | null;
  readonly details: unknown;
}

export interface TrailPage {
  /** Newest first. */
  readonly items: readonly TrailEvent[];
  /** The `before` of the next, older page; null when this page is the oldest. */
  readonly nextBefore: string | null;
}

/** `filter` as conditions on the audit row aliased `e`. */
function matching(filter: TrailFilter): Expression<SqlBool> {
  const eb = expressionBuilder<{ e: AuditEventsTable }, 'e'>();
  const conditions: Expression<SqlBool>[] = [];
  if (filter.actorId) conditions.push(eb('e.actor_id', '=', filter.actorId));
  if (filter.patientId) conditions.push(eb('e.patient_id', '=', filter.patientId));
  if (filter.action) conditions.push(eb('e.action', '=', filter.action));
  if (filter.from) conditions.push(eb('e.occurred_at', '>=', filter.from));
  if (filter.to) conditions.push(eb('e.occurred_at', '<=', filter.to));
  if (filter.before) conditions.push(eb('e.id', '<', filter.before));
  return eb.and(conditions);
}

/**
 * One page of the audit trail of `institutionId`, newest first: the events recorded in it, and the
 * account-level events (no institution: sign-ins, failed sign-ins) of its members, whether by them
 * or, naming them as the target, about them. This is the one place that says which rows an
 * institution's auditors read; who may read them at all is the permission check's (`audit.read`).
 *
 * A member is anyone with a membership row here, active or disabled (leaving is disabling: Ward
 * deletes none), for events from the moment that row was created. A former member's account is
 * still the one to investigate, and attempts on it after they left are what an investigation looks
 * for; what the account did before it joined belongs to its time elsewhere. Account-level events of
 * anyone else, failed sign-ins under usernames nobody has among them, are no institution's.
 *
 * Each kind is paged on its own (its newest `limit + 1`) before the pages are merged, so that the
 * planner takes each from the index that suits it: for account-level events (migration 0010), a
 * walk of the newest for a large institution, its members' own rows for a small one.
 */
export async function readInstitutionTrail(
  db: Kysely<Schema>,
  institutionId: string,
  filter: TrailFilter,
  limit: number,
): Promise<TrailPage> {
  const conditions = matching(filter);
  const recordedHere = db
    .selectFrom('ward.audit_events as e')
    .select('e.id')
    .where('e.institution_id', '=', institutionId)
    .where(conditions)
    .orderBy('e.id', 'desc')
    .limit(limit + 1);
  const byMembers = db
    .selectFrom('ward.audit_events as e')
    .innerJoin('ward.memberships as m', (join) =>
      join
        .on('m.institution_id', '=', institutionId)
        .onRef('m.user_id', '=', 'e.actor_id')
        .onRef('m.created_at', '<=', 'e.occurred_at'),
    )
    .select('e.id')
    .where('e.institution_id', 'is', null)
    .where(conditions)
    .orderBy('e.id', 'desc')
    .limit(limit + 1);
  const aboutMembers = db
    .selectFrom('ward.audit_events as e')
    .innerJoin('ward.memberships as m', (join) =>
      join
        .on('m.institution_id', '=', institutionId)
        .on((eb) => eb(eb.cast<string>('m.user_id', 'text'), '=', eb.ref('e.target_id')))
        .onRef('m.created_at', '<=', 'e.occurred_at'),
    )
    .select('e.id')
    .where('e.institution_id', 'is', null)
    .where('e.target_type', '=', 'user')
    .where(conditions)
    .orderBy('e.id', 'desc')
    .limit(limit + 1);
  // An event by one member about another comes from both of the last two; `in` takes it once.
  const page = db
    .selectFrom(recordedHere.as('here'))
    .select('here.id')
    .unionAll(db.selectFrom(byMembers.as('by')).select('by.id'))
    .unionAll(db.selectFrom(aboutMembers.as('about')).select('about.id'));
  const rows = await db
    .selectFrom('ward.audit_events')
    .select([
      'id',
      'occurred_at',
      'institution_id',
      'actor_id',
      'actor_username',
      'action',
      'outcome',
      'target_type',
      'target_id',
      'patient_id',
      'ip',
      'user_agent',
      'reason',
      'details',
    ])
    .where('id', 'in', page)
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit);
  return {
    items: items.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      institutionId: r.institution_id,
      actorId: r.actor_id,
      actorUsername: r.actor_username,
      action: r.action,
      outcome: r.outcome,
      targetType: r.target_type,
      targetId: r.target_id,
      patientId: r.patient_id,
      ip: r.ip,
      userAgent: r.user_agent,
      reason: r.reason,
      details: r.details,
    })),
    nextBefore: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null,
  };
}

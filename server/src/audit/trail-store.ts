import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';

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

/** One page of the audit trail of `institutionId`: its own events, newest first. */
export async function readInstitutionTrail(
  db: Kysely<Schema>,
  institutionId: string,
  filter: TrailFilter,
  limit: number,
): Promise<TrailPage> {
  let query = db
    .selectFrom('ward.audit_events')
    .select([
      'id',
      'occurred_at',
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
    .where('institution_id', '=', institutionId);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.patientId) query = query.where('patient_id', '=', filter.patientId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<=', filter.to);
  if (filter.before) query = query.where('id', '<', filter.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
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
    nextBefore: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

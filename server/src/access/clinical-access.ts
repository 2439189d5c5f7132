import { sql, type Kysely, type RawBuilder } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { AuditEvent, AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { InstitutionAccess } from './authorize.ts';

export const JUSTIFICATION_REASONS = [
  'emergency',
  'professional_consultation',
  'patient_consultation',
  'audit',
] as const;
export type JustificationReason = (typeof JUSTIFICATION_REASONS)[number];

export interface ClinicalAccess {
  readonly allowed: boolean;
  readonly basis: 'care_relationship' | 'justification' | null;
  readonly justifiedUntil: Date | null;
}

/** What the clinical-access decision reads: a recent encounter of theirs, and the latest justification. */
export interface ClinicalAccessFacts {
  readonly care: boolean;
  readonly justified_until: Date | null;
}

/** Who asks about which patient: values, or columns of the statement the facts are part of. */
export interface ClinicalAccessSubject {
  readonly institutionId: string | RawBuilder<string>;
  readonly userId: string | RawBuilder<string>;
  readonly patientId: string | RawBuilder<string>;
  readonly careRelationshipDays: number | RawBuilder<number>;
}

/**
 * The facts as SQL expressions for any statement about the patient (so a patient read decides in
 * the same round trip): a care relationship is an encounter of theirs within the institution's
 * window (30 days by default); a justification counts while it is in force.
 */
export function clinicalAccessFacts(subject: ClinicalAccessSubject): {
  readonly care: RawBuilder<boolean>;
  readonly justifiedUntil: RawBuilder<Date | null>;
} {
  const { institutionId, userId, patientId, careRelationshipDays } = subject;
  return {
    // An encounter recorded under a justified access counts once someone has reviewed that access
    // (migration 0009): a clinician cannot turn a 24-hour grant into a care relationship alone.
    care: sql<boolean>`EXISTS (
      SELECT 1 FROM ward.encounters e
       WHERE e.institution_id = ${institutionId} AND e.author_id = ${userId} AND e.patient_id = ${patientId}
         AND e.occurred_at > now() - make_interval(days => ${careRelationshipDays})
         AND (e.justification_id IS NULL OR EXISTS (
               SELECT 1 FROM ward.access_justifications j
                WHERE j.institution_id = e.institution_id AND j.id = e.justification_id
                  AND j.reviewed_at IS NOT NULL)))`,
    justifiedUntil: sql<Date | null>`(
      SELECT max(expires_at) FROM ward.access_justifications
       WHERE institution_id = ${institutionId} AND user_id = ${userId} AND patient_id = ${patientId}
         AND expires_at > now())`,
  };
}

/** The subject of a request's own question about one patient. */
function subjectOf(access: InstitutionAccess, patientId: string): ClinicalAccessSubject {
  return {
    institutionId: access.institutionId,
    userId: access.userId,
    patientId,
    careRelationshipDays: access.careRelationshipDays,
  };
}

/** The decision: whether a clinician may see a patient's clinical record, and on what basis. */
export function clinicalAccessFrom(facts: ClinicalAccessFacts): ClinicalAccess {
  if (facts.care) return { allowed: true, basis: 'care_relationship', justifiedUntil: facts.justified_until };
  if (facts.justified_until)
    return { allowed: true, basis: 'justification', justifiedUntil: facts.justified_until };
  return { allowed: false, basis: null, justifiedUntil: null };
}

/** Whether a clinician may see a patient's clinical record (see clinicalAccessFacts). */
export async function clinicalAccessOf(
  db: Kysely<Schema>,
  access: InstitutionAccess,
  patientId: string,
): Promise<ClinicalAccess> {
  const { care, justifiedUntil } = clinicalAccessFacts(subjectOf(access, patientId));
  const facts = await db
    .selectNoFrom([care.as('care'), justifiedUntil.as('justified_until')])
    .executeTakeFirstOrThrow();
  return clinicalAccessFrom(facts);
}

/** Throws 403 `justification_required` unless the clinician may see the patient's clinical record. */
export async function requireClinicalAccess(
  db: Kysely<Schema>,
  access: InstitutionAccess,
  patientId: string,
): Promise<ClinicalAccess> {
  const result = await clinicalAccessOf(db, access, patientId);
  if (!result.allowed) {
    throw new ApiError(
      'justification_required',
      'You have no care relationship with this patient: state the reason for your access first.',
      { details: { reasons: JUSTIFICATION_REASONS } },
    );
  }
  return result;
}

/** The justified access the member holds now for the patient, the latest-ending one, if any. */
export async function liveJustificationId(
  db: Kysely<Schema>,
  access: InstitutionAccess,
  patientId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('ward.access_justifications')
    .select('id')
    .where('institution_id', '=', access.institutionId)
    .where('user_id', '=', access.userId)
    .where('patient_id', '=', patientId)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

export interface JustificationForReview {
  readonly id: string;
  readonly user_id: string;
  readonly username: string;
  readonly patient_id: string;
  readonly reason: JustificationReason;
  readonly detail: string;
  readonly granted_at: Date;
  readonly expires_at: Date;
  readonly reviewed_at: Date | null;
}

/** The institution's justified accesses for review, the latest 500 granted, or only those not yet reviewed. */
export async function justificationsForReview(
  db: Kysely<Schema>,
  institutionId: string,
  options: { unreviewedOnly: boolean },
): Promise<JustificationForReview[]> {
  let query = db
    .selectFrom('ward.access_justifications as j')
    .innerJoin('ward.users as u', 'u.id', 'j.user_id')
    .select([
      'j.id',
      'j.user_id',
      'u.username',
      'j.patient_id',
      'j.reason',
      'j.detail',
      'j.granted_at',
      'j.expires_at',
      'j.reviewed_at',
    ])
    .where('j.institution_id', '=', institutionId);
  if (options.unreviewedOnly) query = query.where('j.reviewed_at', 'is', null);
  return query.orderBy('j.granted_at', 'desc').limit(500).execute();
}

/** Grants justified access for the institution's window and audits it, flagged for review. */
export async function justifyAccess(
  db: Kysely<Schema>,
  audit: AuditLog,
  access: InstitutionAccess,
  input: { patientId: string; reason: JustificationReason; detail: string },
  context: Pick<AuditEvent, 'actorId' | 'actorUsername' | 'ip' | 'userAgent'>,
): Promise<{ id: string; expiresAt: Date }> {
  return db.transaction().execute(async (trx) => {
    const id = uuidv7();
    const row = await trx
      .insertInto('ward.access_justifications')
      .values({
        institution_id: access.institutionId,
        id,
        user_id: access.userId,
        patient_id: input.patientId,
        reason: input.reason,
        detail: input.detail,
        expires_at: sql<Date>`now() + make_interval(hours => ${access.justifiedAccessHours})`,
      })
      .returning('expires_at')
      .executeTakeFirstOrThrow();
    await audit.record(
      {
        ...context,
        action: 'access.justified',
        outcome: 'success',
        institutionId: access.institutionId,
        patientId: input.patientId,
        targetType: 'patient',
        targetId: input.patientId,
        reason: input.reason,
        // The free text may name clinical facts: it stays in the justification row, not the trail.
        details: { justificationId: id, hours: access.justifiedAccessHours, review: true },
      },
      trx,
    );
    return { id, expiresAt: row.expires_at };
  });
}

import { sql, type AliasedRawBuilder, type Kysely } from 'kysely';
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

/**
 * The facts as two columns for any statement about the patient (so a patient read can decide in
 * the same round trip): a care relationship is an encounter of theirs within the institution's
 * window (30 days by default); a justification counts while it is in force.
 */
export function clinicalAccessFacts(
  access: InstitutionAccess,
  patientId: string,
): readonly [AliasedRawBuilder<boolean, 'care'>, AliasedRawBuilder<Date | null, 'justified_until'>] {
  return [
    sql<boolean>`EXISTS (
      SELECT 1 FROM ward.encounters
       WHERE institution_id = ${access.institutionId} AND author_id = ${access.userId} AND patient_id = ${patientId}
         AND occurred_at > now() - make_interval(days => ${access.careRelationshipDays}))`.as('care'),
    sql<Date | null>`(
      SELECT max(expires_at) FROM ward.access_justifications
       WHERE institution_id = ${access.institutionId} AND user_id = ${access.userId} AND patient_id = ${patientId}
         AND expires_at > now())`.as('justified_until'),
  ];
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
  const facts = await db.selectNoFrom(clinicalAccessFacts(access, patientId)).executeTakeFirstOrThrow();
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

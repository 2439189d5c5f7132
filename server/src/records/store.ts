import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';

export interface RecordNote {
  readonly id: string;
  readonly authorId: string;
  readonly authorName: string;
  readonly subjective: string;
  readonly objective: string;
  readonly assessment: string;
  readonly plan: string;
  readonly status: 'draft' | 'signed';
  readonly signedAt: string | null;
  readonly amendsNoteId: string | null;
  readonly createdAt: string;
  readonly version: number;
}

export interface RecordEncounter {
  readonly id: string;
  readonly occurredAt: string;
  readonly type: string;
  readonly reason: string;
  readonly authorId: string;
  readonly authorName: string;
  readonly notes: RecordNote[];
  readonly diagnoses: { readonly id: string; readonly code: string; readonly description: string }[];
}

export interface RecordAllergy {
  readonly id: string;
  readonly substance: string;
  readonly reaction: string;
  readonly severity: string;
  readonly createdAt: string;
}

/** A patient's clinical record as a clinician reads it: the latest 200 encounters, and allergies. */
export interface ClinicalRecord {
  readonly encounters: RecordEncounter[];
  readonly allergies: RecordAllergy[];
}

/**
 * The patient's record, read by patient in four statements at once. Every one of them finds the
 * patient's rows by index: a large institution holds millions of notes.
 */
export async function readClinicalRecord(
  db: Kysely<Schema>,
  institutionId: string,
  patientId: string,
): Promise<ClinicalRecord> {
  const [encounters, notes, diagnoses, allergies] = await Promise.all([
    db
      .selectFrom('ward.encounters as e')
      .innerJoin('ward.users as u', 'u.id', 'e.author_id')
      .select(['e.id', 'e.occurred_at', 'e.type', 'e.reason', 'e.author_id', 'u.display_name'])
      .where('e.institution_id', '=', institutionId)
      .where('e.patient_id', '=', patientId)
      .orderBy('e.occurred_at', 'desc')
      .limit(200)
      .execute(),
    db
      .selectFrom('ward.clinical_notes as n')
      .innerJoin('ward.users as u', 'u.id', 'n.author_id')
      .selectAll('n')
      .select('u.display_name')
      .where('n.institution_id', '=', institutionId)
      .where('n.patient_id', '=', patientId)
      .orderBy('n.created_at')
      .execute(),
    db
      .selectFrom('ward.diagnoses')
      .select(['id', 'encounter_id', 'code', 'description'])
      .where('institution_id', '=', institutionId)
      .where('patient_id', '=', patientId)
      .execute(),
    db
      .selectFrom('ward.allergies')
      .select(['id', 'substance', 'reaction', 'severity', 'created_at'])
      .where('institution_id', '=', institutionId)
      .where('patient_id', '=', patientId)
      .orderBy('created_at')
      .execute(),
  ]);
  return {
    encounters: encounters.map((e) => ({
      id: e.id,
      occurredAt: e.occurred_at.toISOString(),
      type: e.type,
      reason: e.reason,
      authorId: e.author_id,
      authorName: e.display_name,
      notes: notes
        .filter((n) => n.encounter_id === e.id)
        .map((n) => ({
          id: n.id,
          authorId: n.author_id,
          authorName: n.display_name,
          subjective: n.subjective,
          objective: n.objective,
          assessment: n.assessment,
          plan: n.plan,
          status: n.status,
          signedAt: n.signed_at?.toISOString() ?? null,
          amendsNoteId: n.amends_note_id,
          createdAt: n.created_at.toISOString(),
          version: n.version,
        })),
      diagnoses: diagnoses
        .filter((d) => d.encounter_id === e.id)
        .map((d) => ({ id: d.id, code: d.code, description: d.description })),
    })),
    allergies: allergies.map((a) => ({
      id: a.id,
      substance: a.substance,
      reaction: a.reaction,
      severity: a.severity,
      createdAt: a.created_at.toISOString(),
    })),
  };
}

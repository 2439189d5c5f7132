// The shapes of Ward's patient and clinical-record answers, as the server's route schemas declare them.

export type Sex = 'female' | 'male' | 'other' | 'unknown';
export const SEXES: readonly Sex[] = ['female', 'male', 'other', 'unknown'];

/** What a person enters about a patient: identity and contact, never clinical content. */
export interface Demographics {
  identifierType: string;
  identifierValue: string;
  familyName: string;
  givenNames: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: Sex;
  phone: string | null;
  email: string | null;
  address: string | null;
}

export interface Patient extends Omit<Demographics, 'sex'> {
  id: string;
  /** One of SEXES, or a value a newer server added. */
  sex: string;
  /** Increases with every change; sent back as If-Match so no one's edit is silently overwritten. */
  version: number;
  updatedAt: string;
}

/** Whether this clinician may open the record now, and on what grounds; null for non-clinical roles. */
export interface ClinicalAccess {
  allowed: boolean;
  basis: 'care_relationship' | 'justification' | null;
  justifiedUntil: string | null;
}

export interface PatientDetail extends Patient {
  clinicalAccess: ClinicalAccess | null;
}

export interface PatientPage {
  items: Patient[];
  nextCursor: string | null;
}

export type SearchMode = 'prefix' | 'fuzzy';

export type PatientQuery =
  | { by: 'name'; name: string; mode: SearchMode }
  | { by: 'identifier'; identifier: string }
  | { by: 'birthDate'; birthDate: string };

export const ENCOUNTER_TYPES = ['outpatient', 'inpatient', 'emergency', 'home', 'telehealth'] as const;
export type EncounterType = (typeof ENCOUNTER_TYPES)[number];

export interface SoapText {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

export interface Note extends SoapText {
  id: string;
  authorId: string;
  authorName: string;
  status: 'draft' | 'signed';
  signedAt: string | null;
  amendsNoteId: string | null;
  createdAt: string;
  version: number;
}

export interface Diagnosis {
  id: string;
  code: string;
  description: string;
}

export interface Encounter {
  id: string;
  occurredAt: string;
  type: string;
  reason: string;
  authorId: string;
  authorName: string;
  notes: Note[];
  diagnoses: Diagnosis[];
}

export const ALLERGY_SEVERITIES = ['mild', 'moderate', 'severe', 'unknown'] as const;
export type AllergySeverity = (typeof ALLERGY_SEVERITIES)[number];

export interface Allergy {
  id: string;
  substance: string;
  reaction: string;
  severity: string;
  createdAt: string;
}

export interface ClinicalRecord {
  encounters: Encounter[];
  allergies: Allergy[];
}

export const JUSTIFICATION_REASONS = [
  'emergency',
  'professional_consultation',
  'patient_consultation',
  'audit',
] as const;
export type JustificationReason = (typeof JUSTIFICATION_REASONS)[number];

export interface NewEncounter {
  type: EncounterType;
  reason: string;
  /** ISO 8601; the server uses now when absent. */
  occurredAt?: string;
}

export interface NewAllergy {
  substance: string;
  reaction: string;
  severity: AllergySeverity;
}

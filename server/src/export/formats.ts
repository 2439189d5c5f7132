import type { Patient } from '../patients/store.ts';

/** A patient as an HL7 FHIR R4 Patient resource. */
export function fhirPatient(p: Patient): Record<string, unknown> {
  const telecom = [
    ...(p.phone ? [{ system: 'phone', value: p.phone }] : []),
    ...(p.email ? [{ system: 'email', value: p.email }] : []),
  ];
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { versionId: String(p.version), lastUpdated: p.updatedAt.toISOString() },
    identifier: [{ type: { text: p.identifierType }, value: p.identifierValue }],
    name: [
      { use: 'official', family: p.familyName, given: p.givenNames.split(/\s+/).filter((g) => g !== '') },
    ],
    gender: p.sex,
    birthDate: p.birthDate,
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(p.address ? { address: [{ text: p.address }] } : {}),
  };
}

export interface EncounterRow {
  readonly id: string;
  readonly patientId: string;
  readonly occurredAt: Date;
  readonly type: string;
  readonly reason: string;
  readonly authorId: string;
}

const ENCOUNTER_CLASS: Record<string, { code: string; display: string }> = {
  outpatient: { code: 'AMB', display: 'ambulatory' },
  inpatient: { code: 'IMP', display: 'inpatient encounter' },
  emergency: { code: 'EMER', display: 'emergency' },
  home: { code: 'HH', display: 'home health' },
  telehealth: { code: 'VR', display: 'virtual' },
};

/** An encounter as an HL7 FHIR R4 Encounter resource. */
export function fhirEncounter(e: EncounterRow): Record<string, unknown> {
  const klass = ENCOUNTER_CLASS[e.type] ?? { code: 'AMB', display: 'ambulatory' };
  return {
    resourceType: 'Encounter',
    id: e.id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...klass },
    subject: { reference: `Patient/${e.patientId}` },
    participant: [{ individual: { reference: `Practitioner/${e.authorId}` } }],
    period: { start: e.occurredAt.toISOString() },
    reasonCode: [{ text: e.reason }],
  };
}

/**
 * One CSV field: quoted when needed, and a leading =, +, - or @ neutralised with an apostrophe so
 * that a spreadsheet opening the export never runs a formula a patient's name smuggled in.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export const PATIENT_CSV_HEADER = [
  'id',
  'identifier_type',
  'identifier_value',
  'family_name',
  'given_names',
  'birth_date',
  'sex',
  'phone',
  'email',
  'address',
  'version',
];

export function patientCsvValues(p: Patient): (string | number | null)[] {
  return [
    p.id,
    p.identifierType,
    p.identifierValue,
    p.familyName,
    p.givenNames,
    p.birthDate,
    p.sex,
    p.phone,
    p.email,
    p.address,
    p.version,
  ];
}

export const ENCOUNTER_CSV_HEADER = ['id', 'patient_id', 'occurred_at', 'type', 'reason', 'author_id'];

export function encounterCsvValues(e: EncounterRow): (string | number | null)[] {
  return [e.id, e.patientId, e.occurredAt.toISOString(), e.type, e.reason, e.authorId];
}

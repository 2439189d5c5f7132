// Typed calls for patients and their clinical record in one institution, over the app's one API client.
import type { ApiClient } from '../api/client.ts';
import type {
  ClinicalRecord,
  Demographics,
  JustificationReason,
  NewAllergy,
  NewEncounter,
  Patient,
  PatientDetail,
  PatientPage,
  PatientQuery,
  SoapText,
} from './types.ts';

export interface ClinicalApi {
  searchPatients(query: PatientQuery, cursor?: string): Promise<PatientPage>;
  createPatient(demographics: Demographics): Promise<Patient>;
  getPatient(patientId: string): Promise<PatientDetail>;
  /** Fails with `version_conflict` when someone changed the patient since `version` was read. */
  updatePatient(patientId: string, version: number, demographics: Demographics): Promise<Patient>;
  justifyAccess(
    patientId: string,
    reason: JustificationReason,
    detail: string,
  ): Promise<{ expiresAt: string }>;
  getRecord(patientId: string): Promise<ClinicalRecord>;
  createEncounter(patientId: string, encounter: NewEncounter): Promise<string>;
  createNote(
    patientId: string,
    encounterId: string,
    note: SoapText & { sign: boolean; amendsNoteId?: string },
  ): Promise<string>;
  updateNote(
    patientId: string,
    encounterId: string,
    noteId: string,
    note: SoapText & { sign: boolean; version: number },
  ): Promise<void>;
  addDiagnosis(patientId: string, encounterId: string, code: string, description: string): Promise<void>;
  addAllergy(patientId: string, allergy: NewAllergy): Promise<void>;
}

function searchParams(query: PatientQuery, cursor: string | undefined): string {
  const params = new URLSearchParams();
  switch (query.by) {
    case 'name':
      params.set('q', query.name);
      params.set('mode', query.mode);
      break;
    case 'identifier':
      params.set('identifier', query.identifier);
      break;
    case 'birthDate':
      params.set('birthDate', query.birthDate);
      break;
  }
  if (cursor !== undefined) params.set('cursor', cursor);
  return params.toString();
}

// Answers are trusted to match types.ts: the server validates its own responses against the same schemas.
export function createClinicalApi(api: ApiClient, institutionId: string): ClinicalApi {
  const base = `/api/institutions/${encodeURIComponent(institutionId)}/patients`;
  const patient = (id: string): string => `${base}/${encodeURIComponent(id)}`;
  const encounter = (pid: string, eid: string): string =>
    `${patient(pid)}/encounters/${encodeURIComponent(eid)}`;

  return {
    async searchPatients(query, cursor) {
      return (await api.call('GET', `${base}?${searchParams(query, cursor)}`)) as unknown as PatientPage;
    },
    async createPatient(demographics) {
      return (await api.call('POST', base, { body: demographics })) as unknown as Patient;
    },
    async getPatient(patientId) {
      return (await api.call('GET', patient(patientId))) as unknown as PatientDetail;
    },
    async updatePatient(patientId, version, demographics) {
      return (await api.call('PUT', patient(patientId), {
        body: demographics,
        headers: { 'If-Match': `"${version}"` },
      })) as unknown as Patient;
    },
    async justifyAccess(patientId, reason, detail) {
      const body = detail.trim() === '' ? { reason } : { reason, detail: detail.trim() };
      const answer = await api.call('POST', `${patient(patientId)}/access`, { body });
      return { expiresAt: String(answer.expiresAt) };
    },
    async getRecord(patientId) {
      return (await api.call('GET', `${patient(patientId)}/record`)) as unknown as ClinicalRecord;
    },
    async createEncounter(patientId, body) {
      const { id } = await api.call('POST', `${patient(patientId)}/encounters`, { body });
      return String(id);
    },
    async createNote(patientId, encounterId, body) {
      const { id } = await api.call('POST', `${encounter(patientId, encounterId)}/notes`, { body });
      return String(id);
    },
    async updateNote(patientId, encounterId, noteId, body) {
      await api.call('PUT', `${encounter(patientId, encounterId)}/notes/${encodeURIComponent(noteId)}`, {
        body,
      });
    },
    async addDiagnosis(patientId, encounterId, code, description) {
      await api.call('POST', `${encounter(patientId, encounterId)}/diagnoses`, {
        body: { code, description },
      });
    },
    async addAllergy(patientId, allergy) {
      const body = allergy.reaction.trim() === '' ? { ...allergy, reaction: undefined } : allergy;
      await api.call('POST', `${patient(patientId)}/allergies`, { body });
    },
  };
}

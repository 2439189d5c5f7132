// Test support for the clinical tests (patients, records, access, audit): members of an institution
// signed in over Ward's real routes, and a small client that calls the institution's API in process
// with their bearer token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import { bearer, signIn } from '../../test/sign-in.ts';
import { createTestUser, type TestUser } from '../../test/users.ts';

/** What the tests' requests say about the client, so audit rows can be checked against it. */
export const TEST_USER_AGENT = 'ward-clinical-tests/1.0';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly remoteAddress?: string;
}

/** A signed-in member of one institution, calling its API. */
export interface Member {
  readonly user: TestUser;
  readonly institutionId: string;
  readonly token: string;
  /** `/api/institutions/<iid>` of this member's institution. */
  readonly base: string;
  request(method: Method, url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
}

/** Calls `url` (absolute, or relative to `/api/institutions/<iid>` when it starts with `/patients` etc.). */
function requester(app: WardApp, token: string, base: string): Member['request'] {
  return (method, url, options = {}) =>
    app.inject({
      method,
      url: url.startsWith('/api/') ? url : `${base}${url}`,
      headers: { ...bearer(token), 'user-agent': TEST_USER_AGENT, ...options.headers },
      ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
      ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
    });
}

/** A new user with `roles` in the institution (a new institution when `institution` is `true`), signed in. */
export async function signedInMember(
  app: WardApp,
  db: Kysely<Schema>,
  institution: string | true,
  roles: readonly InstitutionRole[],
): Promise<Member> {
  const user = await createTestUser(db, { institution, roles });
  const institutionId = user.institutionId;
  assert.ok(institutionId);
  const { token } = await signIn(app, { username: user.username, password: user.password });
  const base = `/api/institutions/${institutionId}`;
  return { user, institutionId, token, base, request: requester(app, token, base) };
}

export interface DemographicsInput {
  identifierType: string;
  identifierValue: string;
  familyName: string;
  givenNames: string;
  birthDate: string;
  sex: 'female' | 'male' | 'other' | 'unknown';
  phone?: string | null;
  email?: string | null;
  address?: string | null;
}

/** Valid demographics with an identifier no other patient has. */
export function demographics(overrides: Partial<DemographicsInput> = {}): DemographicsInput {
  return {
    identifierType: 'national_id',
    identifierValue: `ID-${randomBytes(6).toString('hex')}`,
    familyName: 'Testperson',
    givenNames: 'Alex',
    birthDate: '1980-05-17',
    sex: 'unknown',
    ...overrides,
  };
}

export interface PatientJson extends DemographicsInput {
  id: string;
  version: number;
  updatedAt: string;
}

/** Creates a patient through the API as `member` (who must be allowed to) and returns it. */
export async function createPatient(
  member: Member,
  overrides: Partial<DemographicsInput> = {},
): Promise<PatientJson> {
  const response = await member.request('POST', '/patients', { body: demographics(overrides) });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<PatientJson>();
}

/** A SOAP note body whose every field carries `marker`, so its text can be looked for elsewhere. */
export function noteText(marker: string): {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
} {
  return {
    subjective: `Subjective ${marker}`,
    objective: `Objective ${marker}`,
    assessment: `Assessment ${marker}`,
    plan: `Plan ${marker}`,
  };
}

/** Creates an encounter through the API as `member` (who must have clinical access) and returns its id. */
export async function createEncounter(
  member: Member,
  patientId: string,
  body: Record<string, unknown> = { type: 'outpatient', reason: 'Follow-up visit' },
): Promise<string> {
  const response = await member.request('POST', `/patients/${patientId}/encounters`, { body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>().id;
}

/** The error code of a JSON error response, insisting the body is one. */
export function errorOf(response: LightMyRequestResponse): string {
  const body = response.json<{ error?: { code?: string } }>();
  assert.ok(body.error?.code, `expected an error body, got ${String(response.statusCode)} ${response.body}`);
  return body.error.code;
}

/**
 * An encounter written straight into the database (as an import would), authored by `authorId`:
 * it gives that clinician a care relationship with the patient without going through the API.
 */
export async function insertEncounter(
  db: Kysely<Schema>,
  input: { institutionId: string; patientId: string; authorId: string; occurredAt?: Date },
): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('ward.encounters')
    .values({
      institution_id: input.institutionId,
      id,
      patient_id: input.patientId,
      author_id: input.authorId,
      occurred_at: input.occurredAt ?? new Date(),
      type: 'outpatient',
      reason: 'Imported visit',
    })
    .execute();
  return id;
}

/** A draft note of `authorId` on an encounter, written straight into the database. */
export async function insertDraftNote(
  db: Kysely<Schema>,
  input: { institutionId: string; patientId: string; encounterId: string; authorId: string },
): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('ward.clinical_notes')
    .values({
      institution_id: input.institutionId,
      id,
      encounter_id: input.encounterId,
      patient_id: input.patientId,
      author_id: input.authorId,
      ...noteText('imported draft'),
    })
    .execute();
  return id;
}

/** A justification waiting for review, written straight into the database. */
export async function insertJustification(
  db: Kysely<Schema>,
  input: { institutionId: string; patientId: string; userId: string },
): Promise<string> {
  const id = uuidv7();
  await db
    .insertInto('ward.access_justifications')
    .values({
      institution_id: input.institutionId,
      id,
      user_id: input.userId,
      patient_id: input.patientId,
      reason: 'emergency',
      expires_at: new Date(Date.now() + 3_600_000),
    })
    .execute();
  return id;
}

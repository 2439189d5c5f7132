// Test support for administration tests: people signed in over Ward's real routes, requests as
// them, and the audit rows their changes leave.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import { stepUp } from '../auth/step-up/test-support.ts';
import { bearer, signIn } from '../../test/sign-in.ts';
import { createTestUser, type TestUser } from '../../test/users.ts';

export interface SignedInMember extends TestUser {
  readonly institutionId: string;
  readonly token: string;
}

/** A member of `institution` (a new one when `true`) with these roles, signed in with a bearer token. */
export async function signedInMember(
  app: WardApp,
  db: Kysely<Schema>,
  institution: string | true,
  roles: readonly InstitutionRole[],
): Promise<SignedInMember> {
  const user = await createTestUser(db, { institution, roles });
  const { token } = await signIn(app, user);
  assert.ok(user.institutionId);
  return { ...user, institutionId: user.institutionId, token };
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as the holder of `token`. */
export function as(
  app: WardApp,
  token: string,
  method: Method,
  url: string,
  payload?: object,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: { ...bearer(token), 'user-agent': 'ward-tests/1.0' },
    ...(payload === undefined ? {} : { payload }),
  });
}

export interface AuditRow {
  readonly action: string;
  readonly actorId: string | null;
  readonly institutionId: string | null;
  readonly targetId: string | null;
  readonly outcome: string;
  readonly details: Record<string, unknown>;
}

/** The audit rows of `action` about `targetId`, oldest first. */
export async function auditRowsOf(db: Kysely<Schema>, action: string, targetId: string): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('ward.audit_events')
    .select(['action', 'actor_id', 'institution_id', 'target_id', 'outcome', 'details'])
    .where('action', '=', action)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    action: r.action,
    actorId: r.actor_id,
    institutionId: r.institution_id,
    targetId: r.target_id,
    outcome: r.outcome,
    details: r.details as Record<string, unknown>,
  }));
}

/** How many audit rows the institution has: a refused change must not add one. */
export async function auditCount(db: Kysely<Schema>, institutionId: string): Promise<number> {
  const row = await db
    .selectFrom('ward.audit_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('institution_id', '=', institutionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The token inside a set-password or reset link (`…/set-password#token=…`). */
export function tokenOfLink(link: string): string {
  const match = /\/set-password#token=([A-Za-z0-9_-]+)$/.exec(link);
  assert.ok(match?.[1], `not a set-password link: ${link}`);
  return match[1];
}

/**
 * A doctor of a new institution and the password-reset link its administrator issued them over the
 * real route (after the step-up it needs): the link as it would travel, and may leak.
 */
export async function issuedResetLink(
  app: WardApp,
  db: Kysely<Schema>,
): Promise<{ admin: SignedInMember; doctor: TestUser; link: string }> {
  const admin = await signedInMember(app, db, true, ['institution_admin']);
  const doctor = await createTestUser(db, { institution: admin.institutionId, roles: ['doctor'] });
  await stepUp(app, admin.token, admin.password);
  const issued = await as(
    app,
    admin.token,
    'POST',
    `/api/institutions/${admin.institutionId}/admin/users/${doctor.id}/password-reset`,
  );
  assert.equal(issued.statusCode, 200, issued.body);
  return { admin, doctor, link: tokenOfLink(issued.json<{ link: string }>().link) };
}

/** Every key anywhere in a JSON value, to check a response for fields it must never carry. */
export function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

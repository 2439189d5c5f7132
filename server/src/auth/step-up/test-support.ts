// Test support for the step-up: re-authentication over Ward's real route, and its age moved on.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import type { WardApp } from '../../http/types.ts';
import { bearer } from '../../../test/sign-in.ts';

export function reauthenticate(
  app: WardApp,
  token: string,
  password: string,
  code?: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/me/reauthenticate',
    headers: bearer(token),
    payload: code === undefined ? { password } : { password, code },
  });
}

/** Re-authenticates and insists that it worked. */
export async function stepUp(app: WardApp, token: string, password: string, code?: string): Promise<void> {
  const response = await reauthenticate(app, token, password, code);
  assert.equal(response.statusCode, 200, `re-authentication refused: ${response.body}`);
}

/** Moves this user's latest re-authentication `minutes` into the past (the clock moving on). */
export async function ageReauthentication(
  db: Kysely<Schema>,
  userId: string,
  minutes: number,
): Promise<void> {
  await db
    .updateTable('ward.sessions')
    .set({ reauthenticated_at: sql<Date>`reauthenticated_at - make_interval(mins => ${minutes})` })
    .where('user_id', '=', userId)
    .where('reauthenticated_at', 'is not', null)
    .execute();
}

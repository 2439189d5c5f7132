import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { grantExport } from '../../export/test-support.ts';
import { reauthenticate } from './test-support.ts';
import type { WardApp } from '../../http/types.ts';
import {
  awayFromStepBoundary,
  createTwoFactorInstitution,
  enrolOverHttp,
  oathtoolCode,
  refusalReason,
  STEP_MS,
  staleCode,
} from '../../twofactor/test-support.ts';
import { startWard, type RunningWard } from '../../../test/harness.ts';
import { bearer, errorCode, signIn } from '../../../test/sign-in.ts';
import { createTestUser, ownerDb } from '../../../test/users.ts';

// The step-up before an export as a user and a thief holding a session meet it: the password again,
// and the authenticator's code when two-factor is on; a code works once; guessing is throttled on its
// own, so it cannot lock the real user out of signing in.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let institutionId: string;

before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  institutionId = await createTwoFactorInstitution(db);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

function exportPatients(token: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `/api/institutions/${institutionId}/exports/patients?format=csv`,
    headers: bearer(token),
  });
}

describe('re-authentication with two-factor enabled', () => {
  test('needs the current code as well as the password, and each code works once', async () => {
    const user = await createTestUser(db, { institution: institutionId, roles: ['doctor'] });
    await grantExport(db, user.id, institutionId);
    const { token } = await signIn(app, user);
    await awayFromStepBoundary();
    const { secret } = await enrolOverHttp(app, token, user.password);

    const passwordOnly = await reauthenticate(app, token, user.password);
    assert.equal(passwordOnly.statusCode, 401, passwordOnly.body);
    assert.equal(errorCode(passwordOnly), 'second_factor_invalid');
    assert.equal(refusalReason(passwordOnly), 'code_required');
    assert.equal(errorCode(await exportPatients(token)), 'reauthentication_required');

    const stale = await reauthenticate(app, token, user.password, await staleCode(secret));
    assert.equal(errorCode(stale), 'second_factor_invalid');
    assert.equal(refusalReason(stale), 'code_invalid');

    // The enrolment used this step's code; the next step's is accepted (one step of clock drift).
    const next = await oathtoolCode(secret, Date.now() + STEP_MS);
    const wrongPassword = await reauthenticate(app, token, 'not my password at all', next);
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(
      errorCode(wrongPassword),
      'invalid_credentials',
      'a right code does not make up for the password',
    );
    assert.equal(errorCode(await exportPatients(token)), 'reauthentication_required');

    const confirmed = await reauthenticate(app, token, user.password, next);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((await exportPatients(token)).statusCode, 200);

    const replayed = await reauthenticate(app, token, user.password, next);
    assert.equal(errorCode(replayed), 'second_factor_invalid');
    assert.equal(refusalReason(replayed), 'code_used');
  });
});

describe('guessing the password of a stolen session', () => {
  test('is throttled after a few tries, without locking the real user out of signing in', async () => {
    const user = await createTestUser(db, { institution: institutionId, roles: ['doctor'] });
    const { token } = await signIn(app, user);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await reauthenticate(app, token, `guess number ${i} is wrong`)).statusCode);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(statuses[statuses.length - 1], 429, `statuses: ${statuses.join(', ')}`);
    // Even the right password waits now: the thief cannot tell a right guess from a throttled one.
    const right = await reauthenticate(app, token, user.password);
    assert.equal(right.statusCode, 429);
    assert.ok(Number(right.headers['retry-after']) > 0);

    await signIn(app, user);
  });
});

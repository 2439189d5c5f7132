import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import type { Database } from '../db/database.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { sealPending } from './chain.ts';
import { AuditLog, auditKeyFrom } from './log.ts';
import { verifyAuditTrail } from './verify.ts';

// Events recorded outside a transaction by concurrent requests are written together. Each caller
// must still learn the fate of its own row only: committed when its promise resolves, and one row
// the database refuses must not take the others down with it.

const key = auditKeyFrom('a token secret used only by the audit log tests, long enough to count');

let testDatabase: OpenedTestDatabase;
let opened: Database;
let owner: pg.Client;

before(async () => {
  testDatabase = await openTestDatabase('ward-audit-log-');
  ({ opened, owner } = testDatabase);
});

after(async () => {
  await testDatabase.close();
});

async function actionsStored(prefix: string): Promise<string[]> {
  const { rows } = await owner.query<{ target_id: string }>(
    `SELECT target_id FROM ward.audit_events WHERE action = $1 ORDER BY target_id`,
    [prefix],
  );
  return rows.map((r) => r.target_id);
}

describe('recording audit events outside a transaction', () => {
  test('two hundred concurrent events are all committed by the time each call returns', async () => {
    const log = new AuditLog(opened.db, key);
    const ids = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    await Promise.all(
      ids.map((id) =>
        log.record({ action: 'test.concurrent', outcome: 'success', targetType: 't', targetId: id }),
      ),
    );
    assert.deepEqual(await actionsStored('test.concurrent'), ids);
  });

  test('a row the database refuses fails its own call only; the others are stored', async () => {
    const log = new AuditLog(opened.db, key);
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((id) =>
        log.record({
          action: 'test.one_bad',
          outcome: 'success',
          targetType: 't',
          targetId: id,
          // An institution id that is not a UUID: PostgreSQL refuses this row alone.
          institutionId: id === 'c' ? 'not-a-uuid' : null,
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await actionsStored('test.one_bad'), ['a', 'b', 'd']);
  });

  test('text PostgreSQL would store otherwise (an emoji cut in half, a lone surrogate, a NUL) is stored as signed', async () => {
    // A client chooses the username of a sign-in and the strings of a JSON body. Were the MAC over
    // other text than what is stored, audit-verify would report Ward's own row as forged.
    const log = new AuditLog(opened.db, key);
    await log.record({
      action: 'test.awkward',
      outcome: 'failure',
      actorUsername: `${'u'.repeat(511)}🩺 and more`,
      userAgent: `${'a'.repeat(511)}🩺`,
      reason: `lone \ud800 surrogate and a NUL \u0000 here`,
      targetType: 't',
      targetId: 'lone \udfff low',
      details: { query: 'half \ud83e', 'key \u0000': ['\udc00'] },
    });
    const { rows } = await owner.query<{ user_agent: string; reason: string; details: unknown }>(
      `SELECT user_agent, reason, details FROM ward.audit_events WHERE action = 'test.awkward'`,
    );
    const [row] = rows;
    assert.ok(row);
    assert.equal(row.user_agent, `${'a'.repeat(511)}\uFFFD`);
    assert.equal(row.reason, 'lone \uFFFD surrogate and a NUL \uFFFD here');
    assert.deepEqual(row.details, { query: 'half \uFFFD', 'key \uFFFD': ['\uFFFD'] });
  });

  test('rows written together carry valid MACs and seal into a chain that verifies', async () => {
    while ((await sealPending(opened.db, key)).sealed > 0);
    const report = await verifyAuditTrail(opened.pool, [key]);
    assert.equal(report.problems, 0, JSON.stringify(report.firstProblem));
    assert.equal(report.sealed, 204);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../db/schema.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { sealPending, sweepLateRows } from './chain.ts';
import { AuditLog, auditKeyFrom, type AuditEvent } from './log.ts';
import { verifyAuditTrail } from './verify.ts';

// Rows commit out of id order: a transaction that draws its audit row's id and commits after
// thousands of later rows is sealed by no normal pass, which looks only a little way back. These
// tests hold the sweeps to finding such rows, a range of ids at a time, even while other passes
// hold the sealer lock; and to leaving a chain that verifies.

const key = auditKeyFrom('a token secret used only by the sealer tests, long enough to be real');
// More rows after a late one than a normal pass looks back over (LOOKBACK_IDS, 5,000).
const LATER_ROWS = 5_200;

let testDatabase: OpenedTestDatabase;
let db: Kysely<Schema>;
let log: AuditLog;
let institutionId: string;

before(async () => {
  testDatabase = await openTestDatabase('ward-audit-sealer-');
  db = testDatabase.opened.db;
  log = new AuditLog(db, key);
  institutionId = uuidv7();
  await testDatabase.owner.query(
    `INSERT INTO ward.institutions (id, name, time_zone) VALUES ($1, 'Sealer', 'UTC')`,
    [institutionId],
  );
});

after(async () => {
  await testDatabase.close();
});

function event(n: number): AuditEvent {
  return {
    action: 'patient.read',
    outcome: 'success',
    institutionId,
    targetType: 'test',
    targetId: `row ${n}`,
  };
}

/** Rows written as Ward writes them, many to a statement. */
async function writeRows(count: number): Promise<void> {
  for (let done = 0; done < count; done += 2_000) {
    const rows = Array.from({ length: Math.min(2_000, count - done) }, (_, i) => log.rowFor(event(done + i)));
    await db.insertInto('ward.audit_events').values(rows).execute();
  }
}

/**
 * An audit row whose transaction draws its id, then waits while LATER_ROWS others are written and
 * sealed, then commits: the id of the row, now below every normal pass's reach.
 */
async function lateRow(): Promise<string> {
  const client = new pg.Client({ connectionString: testDatabase.database.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const row = log.rowFor(event(-1));
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO ward.audit_events (event_id, institution_id, action, target_type, target_id, outcome, details, mac)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
      [
        row.event_id,
        row.institution_id,
        row.action,
        row.target_type,
        row.target_id,
        row.outcome,
        row.details,
        row.mac,
      ],
    );
    await writeRows(LATER_ROWS);
    while ((await sealPending(db, key)).sealed > 0);
    await client.query('COMMIT');
    assert.ok(rows[0]);
    return rows[0].id;
  } finally {
    await client.end();
  }
}

async function isSealed(id: string): Promise<boolean> {
  const seal = await db
    .selectFrom('ward.audit_seals')
    .select('chain_seq')
    .where('event_id', '=', id)
    .executeTakeFirst();
  return seal !== undefined;
}

describe('rows that commit long after their id was drawn', () => {
  test('are missed by normal passes, found by a sweep that reaches them, and the chain verifies', async () => {
    const late = await lateRow();
    while ((await sealPending(db, key)).sealed > 0);
    assert.equal(await isSealed(late), false, 'a normal pass looked further back than it should');

    // A sweep too shallow to reach it leaves it; a deeper one seals it.
    await sweepLateRows(db, key, { depth: 100n });
    assert.equal(await isSealed(late), false);
    await sweepLateRows(db, key, { depth: BigInt(LATER_ROWS + 100) });
    assert.equal(await isSealed(late), true);

    const report = await verifyAuditTrail(testDatabase.opened.pool, [key]);
    assert.equal(report.problems, 0, JSON.stringify(report.firstProblem));
    assert.equal(report.unsealed, 0);
  });

  test('a full sweep finds them in every range of ids, one range at a time', async () => {
    const first = await lateRow();
    const second = await lateRow();
    await sweepLateRows(db, key, { rangeIds: 1_000n });
    assert.deepEqual([await isSealed(first), await isSealed(second)], [true, true]);
    const report = await verifyAuditTrail(testDatabase.opened.pool, [key]);
    assert.equal(report.problems, 0, JSON.stringify(report.firstProblem));
  });

  test('a sweep waits its turn while another pass holds the sealer lock, and does not skip the range', async () => {
    const late = await lateRow();
    const holder = new pg.Client({ connectionString: testDatabase.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(7391024119)');
      const sweep = sweepLateRows(db, key, { rangeIds: 1_000_000n });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await isSealed(late), false);
      await holder.query('COMMIT');
      await sweep;
    } finally {
      await holder.end();
    }
    assert.equal(await isSealed(late), true);
  });

  test('a sweep stops between ranges once told to', async () => {
    const late = await lateRow();
    const stop = new AbortController();
    stop.abort();
    await sweepLateRows(db, key, { rangeIds: 1_000n, signal: stop.signal });
    assert.equal(await isSealed(late), false);
    await sweepLateRows(db, key);
    assert.equal(await isSealed(late), true);
  });
});

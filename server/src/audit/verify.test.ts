import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../db/database.ts';
import { openTestDatabase, type OpenedTestDatabase } from '../../test/harness.ts';
import { sealPending } from './chain.ts';
import { AuditLog, auditKeyFrom, canonicalJson, macContent, macOf } from './log.ts';
import { verifyAuditTrail } from './verify.ts';

// audit-verify reads the trail as text, through a cursor a page at a time, and builds the bytes the
// MACs and links cover itself. These tests hold it to the bytes AuditLog and the sealer made, for
// awkward text and details, over more rows than a page; and to naming the first tampered row.

const key = auditKeyFrom('a token secret used only by the audit-verify tests, long enough');
// More than two of the verifier's pages.
const ROWS = 2_600;

let testDatabase: OpenedTestDatabase;
let opened: Database;
let owner: pg.Client;

const awkward = [
  'tab\there, newline\n, return\r, backspace\b, form feed\f',
  'quote " backslash \\ slash / control \u0001 \u001f delete \u007f',
  'josé.núñez — emoji 🩺 — line separator \u2028 paragraph \u2029',
  '',
];

async function sealAll(): Promise<void> {
  while ((await sealPending(opened.db, key, { batch: 1_000 })).sealed > 0);
}

/** The audit row sealed as number `chainSeq`. */
async function rowAtSeal(chainSeq: number): Promise<string> {
  const { rows } = await owner.query<{ id: string }>(
    'SELECT event_id::text AS id FROM ward.audit_seals WHERE chain_seq = $1',
    [chainSeq],
  );
  assert.ok(rows[0]);
  return rows[0].id;
}

before(async () => {
  testDatabase = await openTestDatabase('ward-audit-verify-');
  ({ opened, owner } = testDatabase);
  const institutionId = uuidv7();
  await owner.query(`INSERT INTO ward.institutions (id, name, time_zone) VALUES ($1, 'Verify', 'UTC')`, [
    institutionId,
  ]);
  // Awkward rows the way Ward writes them.
  const log = new AuditLog(opened.db, key);
  for (const [i, text] of awkward.entries()) {
    await log.record({
      action: 'settings.change',
      outcome: i % 2 === 0 ? 'success' : 'denied',
      institutionId,
      actorId: randomUUID(),
      actorUsername: text,
      targetType: 'setting',
      targetId: text,
      ip: '::1',
      userAgent: text,
      reason: text,
      details: {
        zeta: [1, 'two', null, { b: 2, a: 1 }],
        alpha: text,
        nested: { y: true, x: 1.5, big: 1e21, small: -0.000001 },
        skipped: undefined,
      },
    });
  }
  // The rest in bulk, each with the MAC AuditLog.record gives it.
  const rows = Array.from({ length: ROWS - awkward.length }, (_, i) => {
    const row = {
      event_id: uuidv7(),
      institution_id: institutionId,
      actor_id: null,
      actor_username: `user${i % 7}`,
      action: 'patient.search',
      target_type: null,
      target_id: null,
      patient_id: null,
      outcome: 'success',
      ip: '10.0.0.17',
      user_agent: awkward[i % awkward.length] ?? null,
      reason: null,
      details: i % 3 === 0 ? {} : { by: 'prefix', results: i, nameLength: 4 },
    };
    return { ...row, details: canonicalJson(row.details), mac: macOf(key, macContent(row)) };
  });
  const column = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  await owner.query(
    `INSERT INTO ward.audit_events (event_id, institution_id, actor_username, action, outcome, ip, user_agent,
       details, mac)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::jsonb[], $9::text[])`,
    [
      column('event_id'),
      column('institution_id'),
      column('actor_username'),
      column('action'),
      column('outcome'),
      column('ip'),
      column('user_agent'),
      column('details'),
      column('mac'),
    ],
  );
  await sealAll();
});

after(async () => {
  await testDatabase.close();
});

describe('audit-verify over a trail longer than its page', () => {
  test('awkward text and details verify, and the head is the last seal', async () => {
    const report = await verifyAuditTrail(opened.pool, [key]);
    assert.equal(report.firstProblem, undefined, report.firstProblem?.message);
    assert.equal(report.sealed, ROWS);
    assert.equal(report.unsealed, 0);
    const { rows } = await owner.query<{ seq: string; hash: string }>(
      `SELECT chain_seq::text AS seq, encode(hash, 'hex') AS hash FROM ward.audit_seals ORDER BY chain_seq DESC LIMIT 1`,
    );
    assert.deepEqual({ seq: report.headSeq, hash: report.headHash }, rows[0]);
  });

  test('changes on two pages: the first in the chain is reported, both counted; undone, it verifies', async () => {
    const early = await rowAtSeal(3); // an awkward row
    const late = await rowAtSeal(2_100);
    await owner.query(`UPDATE ward.audit_events SET user_agent = user_agent || ' ' WHERE id = $1`, [late]);
    await owner.query(`UPDATE ward.audit_events SET reason = 'quote "' WHERE id = $1`, [early]);
    const report = await verifyAuditTrail(opened.pool, [key]);
    assert.equal(report.problems, 2);
    assert.deepEqual(report.firstProblem, {
      kind: 'changed',
      eventId: early,
      chainSeq: '3',
      message: `audit row ${early} (seal 3) was changed after it was sealed`,
    });
    await owner.query(`UPDATE ward.audit_events SET user_agent = rtrim(user_agent, ' ') WHERE id = $1`, [
      late,
    ]);
    await owner.query(`UPDATE ward.audit_events SET reason = $2 WHERE id = $1`, [early, awkward[2]]);
    assert.equal((await verifyAuditTrail(opened.pool, [key])).firstProblem, undefined);
  });

  test('a seal whose hash was overwritten is reported as changed, and the walk goes on', async () => {
    const id = await rowAtSeal(2_000);
    const { rows } = await owner.query<{ hash: Buffer }>(
      'SELECT hash FROM ward.audit_seals WHERE chain_seq = 2000',
    );
    const original = rows[0]?.hash;
    assert.ok(original);
    await owner.query(`UPDATE ward.audit_seals SET hash = '\\x00' WHERE chain_seq = 2000`);
    try {
      const report = await verifyAuditTrail(opened.pool, [key]);
      assert.equal(report.sealed, ROWS);
      // This link does not match its seal, and the next one starts from the overwritten hash.
      assert.equal(report.problems, 2);
      assert.equal(
        report.firstProblem?.message,
        `audit row ${id} (seal 2000) was changed after it was sealed`,
      );
    } finally {
      await owner.query('UPDATE ward.audit_seals SET hash = $1 WHERE chain_seq = 2000', [original]);
    }
    assert.equal((await verifyAuditTrail(opened.pool, [key])).firstProblem, undefined);
  });

  test('a forged row not yet sealed is reported, after the chain; a deleted row before it', async () => {
    const { rows } = await owner.query<{ id: string }>(
      `INSERT INTO ward.audit_events (event_id, action, outcome, mac)
       VALUES (gen_random_uuid(), 'patient.read', 'success', $1) RETURNING id::text`,
      [`${key.id}.${'A'.repeat(43)}`],
    );
    const forged = rows[0]?.id;
    assert.ok(forged);
    let report = await verifyAuditTrail(opened.pool, [key]);
    assert.equal(report.unsealed, 1);
    assert.deepEqual(report.firstProblem, {
      kind: 'inserted_out_of_band',
      eventId: forged,
      chainSeq: null,
      message: `audit row ${forged} (not yet sealed) was not written by Ward (its MAC does not verify)`,
    });
    const deleted = await rowAtSeal(1_500);
    await owner.query(
      `CREATE TEMP TABLE deleted_event AS SELECT * FROM ward.audit_events WHERE id = ${deleted}`,
    );
    await owner.query('DELETE FROM ward.audit_events WHERE id = $1', [deleted]);
    try {
      report = await verifyAuditTrail(opened.pool, [key]);
    } finally {
      await owner.query('INSERT INTO ward.audit_events OVERRIDING SYSTEM VALUE SELECT * FROM deleted_event');
      await owner.query('DROP TABLE deleted_event');
      await owner.query('DELETE FROM ward.audit_events WHERE id = $1', [forged]);
    }
    assert.equal(report.problems, 2);
    assert.equal(report.firstProblem?.message, `audit row ${deleted} (seal 1500) was deleted`);
    assert.equal((await verifyAuditTrail(opened.pool, [key])).firstProblem, undefined);
  });
});

describe('audit-verify in parallel ranges', () => {
  // Ranges of 500 seals on two worker threads, against one walk of the whole chain in this thread.
  const parallel = { workers: 2, rangeSize: 500 };
  const oneWalk = { workers: 0, rangeSize: 1_000_000 };

  test('an intact trail gives the same report either way', async () => {
    const [inWorkers, inOneWalk] = [
      await verifyAuditTrail(opened.pool, [key], parallel),
      await verifyAuditTrail(opened.pool, [key], oneWalk),
    ];
    assert.equal(inWorkers.firstProblem, undefined, inWorkers.firstProblem?.message);
    assert.equal(inWorkers.sealed, ROWS);
    assert.deepEqual(inWorkers, inOneWalk);
  });

  test('tampering in a later range, and seals deleted across a range boundary: the first in the chain is named', async () => {
    // Seals 999 to 1002 (their rows and seals) go, across the boundary at 1001; row 1700 is changed.
    const changed = await rowAtSeal(1_700);
    await owner.query(
      `CREATE TEMP TABLE gone_seals AS SELECT * FROM ward.audit_seals WHERE chain_seq BETWEEN 999 AND 1002`,
    );
    await owner.query(
      `CREATE TEMP TABLE gone_events AS SELECT * FROM ward.audit_events WHERE id IN (SELECT event_id FROM gone_seals)`,
    );
    await owner.query('DELETE FROM ward.audit_seals WHERE chain_seq BETWEEN 999 AND 1002');
    await owner.query('DELETE FROM ward.audit_events WHERE id IN (SELECT event_id FROM gone_seals)');
    await owner.query(`UPDATE ward.audit_events SET action = 'patient.read' WHERE id = $1`, [changed]);
    let inWorkers;
    let inOneWalk;
    try {
      inWorkers = await verifyAuditTrail(opened.pool, [key], parallel);
      inOneWalk = await verifyAuditTrail(opened.pool, [key], oneWalk);
    } finally {
      await owner.query('INSERT INTO ward.audit_events OVERRIDING SYSTEM VALUE SELECT * FROM gone_events');
      await owner.query('INSERT INTO ward.audit_seals SELECT * FROM gone_seals');
      await owner.query(`UPDATE ward.audit_events SET action = 'patient.search' WHERE id = $1`, [changed]);
      await owner.query('DROP TABLE gone_seals, gone_events');
    }
    assert.deepEqual(inWorkers, inOneWalk);
    assert.equal(inWorkers.sealed, ROWS - 4);
    // The gap, then the link after it (it continues from seal 998, not 1002), then the changed row.
    assert.equal(inWorkers.problems, 3);
    assert.deepEqual(inWorkers.firstProblem, {
      kind: 'deleted',
      eventId: '?',
      chainSeq: '999',
      message: 'seals 999 to 1002 are missing: their audit rows and seals were deleted',
    });
    assert.equal((await verifyAuditTrail(opened.pool, [key], parallel)).firstProblem, undefined);
  });

  test('a row changed in the last range is found by the workers', async () => {
    const changed = await rowAtSeal(ROWS);
    await owner.query(`UPDATE ward.audit_events SET ip = '10.0.0.18' WHERE id = $1`, [changed]);
    try {
      const report = await verifyAuditTrail(opened.pool, [key], parallel);
      assert.equal(report.problems, 1);
      assert.deepEqual(report.firstProblem, {
        kind: 'changed',
        eventId: changed,
        chainSeq: String(ROWS),
        message: `audit row ${changed} (seal ${ROWS}) was changed after it was sealed`,
      });
    } finally {
      await owner.query(`UPDATE ward.audit_events SET ip = '10.0.0.17' WHERE id = $1`, [changed]);
    }
  });
});

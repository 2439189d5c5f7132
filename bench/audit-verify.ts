// How fast `ward audit-verify` checks the audit trail: a million audit events, each with the MAC
// Ward gives it, sealed into the hash chain, then verified end to end (every link and every MAC).
// Target: >= 200,000 events/s. Prints the peak memory (RSS) during the verification too.
//
//   npm run bench -- audit-verify      (BENCH_EVENTS to change the count)
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { sealPending } from '../server/src/audit/chain.ts';
import { auditKeyFrom, canonicalJson, macContent, macOf } from '../server/src/audit/log.ts';
import { verifyAuditTrail } from '../server/src/audit/verify.ts';
import { openDatabase } from '../server/src/db/database.ts';
import { configFrom, createTestDatabase, tempDir } from '../server/test/harness.ts';
import { fmt, quietLog, withBenchPostgres } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const INSERT_BATCH = 10_000;
const SEAL_BATCH = 20_000;

const ACTIONS = ['patient.read', 'patient.search', 'record.read', 'auth.sign_in', 'encounter.create'];

/** Rows as AuditLog.record writes them (same fields, same MAC), made in bulk. */
function auditRows(count: number, key: ReturnType<typeof auditKeyFrom>, institutionId: string) {
  const actors = Array.from({ length: 50 }, () => ({ id: randomUUID(), username: `user${Math.random()}` }));
  const patients = Array.from({ length: 5_000 }, () => uuidv7());
  return Array.from({ length: count }, (_, i) => {
    const actor = actors[i % actors.length] ?? { id: null, username: null };
    const patient = patients[i % patients.length] ?? null;
    const action = ACTIONS[i % ACTIONS.length] ?? 'patient.read';
    const row = {
      event_id: uuidv7(),
      institution_id: institutionId,
      actor_id: actor.id,
      actor_username: actor.username,
      action,
      target_type: action === 'patient.search' ? null : 'patient',
      target_id: action === 'patient.search' ? null : patient,
      patient_id: action === 'patient.search' ? null : patient,
      outcome: 'success',
      ip: '10.0.0.17',
      user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
      reason: null,
      details: (action === 'patient.search' ? { by: 'prefix', results: 25, nameLength: 4 } : {}) as Record<
        string,
        unknown
      >,
    };
    return { ...row, details: canonicalJson(row.details), mac: macOf(key, macContent(row)) };
  });
}

await withBenchPostgres(async () => {
  const database = await createTestDatabase();
  const dir = tempDir('ward-bench-');
  const config = configFrom(dir.path, {
    'database.url': database.url,
    'database.runtime.role': database.runtimeRole,
    'data.dir': `${dir.path}/data`,
  });
  const opened = await openDatabase(config, quietLog);
  try {
    const key = auditKeyFrom('a benchmark token secret that is long enough to be a real one');
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    const institutionId = uuidv7();
    await owner.query(`INSERT INTO ward.institutions (id, name, time_zone) VALUES ($1, 'Bench', 'UTC')`, [
      institutionId,
    ]);
    let started = performance.now();
    for (let done = 0; done < EVENTS; done += INSERT_BATCH) {
      const rows = auditRows(Math.min(INSERT_BATCH, EVENTS - done), key, institutionId);
      const column = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
      await owner.query(
        `INSERT INTO ward.audit_events (event_id, institution_id, actor_id, actor_username, action, target_type,
           target_id, patient_id, outcome, ip, user_agent, reason, details, mac)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::text[])`,
        [
          column('event_id'),
          column('institution_id'),
          column('actor_id'),
          column('actor_username'),
          column('action'),
          column('target_type'),
          column('target_id'),
          column('patient_id'),
          column('outcome'),
          column('ip'),
          column('user_agent'),
          column('reason'),
          column('details'),
          column('mac'),
        ],
      );
    }
    await owner.end();
    console.log(`inserted ${EVENTS} audit events in ${fmt((performance.now() - started) / 1000)} s`);

    started = performance.now();
    let sealed = 0;
    for (;;) {
      const result = await sealPending(opened.db, key, { batch: SEAL_BATCH });
      if (result.sealed === 0) break;
      sealed += result.sealed;
    }
    console.log(`sealed ${sealed} events in ${fmt((performance.now() - started) / 1000)} s`);

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    started = performance.now();
    const report = await verifyAuditTrail(opened.pool, [key]);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (report.firstProblem || report.sealed !== EVENTS)
      throw new Error(`verification found a problem: ${JSON.stringify(report)}`);
    const mib = (bytes: number): string => fmt(bytes / 2 ** 20);
    console.log(
      `verified ${report.sealed} sealed events (${report.unsealed} unsealed) in ${fmt(seconds, 2)} s`,
    );
    console.log(`events/s       : ${fmt(report.sealed / seconds, 0)}  (target >= 200000)`);
    console.log(`peak RSS       : ${mib(peak)} MiB  (${mib(rssBefore)} MiB before verifying)`);
  } finally {
    await opened.close();
    await database.drop();
    dir.remove();
  }
});

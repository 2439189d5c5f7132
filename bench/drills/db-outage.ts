// Drill: the database dies under load. Ward (a real `ward start` process) runs against a PostgreSQL
// this drill owns; patients are created through the API while the postmaster is killed with
// SIGKILL, then started again on the same data folder. Passes when, during the outage, every answer
// is 503 database_unavailable and /healthz stays 200; when Ward serves again within 5 s of the
// database being back; and when every patient whose creation was acknowledged (201) is in the
// database afterwards.
//
//   npm run drill -- db-outage [--quick]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/src/db/embedded.ts';
import { createTestUser, ownerDb } from '../../server/test/users.ts';
import {
  agentFrom,
  bearer,
  errorCodeOf,
  Findings,
  jsonBody,
  numberOption,
  request,
  runAsScript,
  signInForToken,
  sleep,
  startWardProcess,
  tempDir,
  type Answer,
  type DrillResult,
} from './support.ts';

export interface DbOutageOptions {
  /** Seconds of load before the kill, while the database is down, and after it is back. */
  readonly beforeSeconds: number;
  readonly outageSeconds: number;
  readonly afterSeconds: number;
  /** Concurrent request loops. */
  readonly concurrency: number;
}

export const DB_OUTAGE_QUICK: DbOutageOptions = {
  beforeSeconds: 2,
  outageSeconds: 3,
  afterSeconds: 3,
  concurrency: 4,
};
export const DB_OUTAGE_FULL: DbOutageOptions = {
  beforeSeconds: 5,
  outageSeconds: 10,
  afterSeconds: 10,
  concurrency: 8,
};

/** Ward must serve again this soon after the database is back. */
const RECOVERY_LIMIT_MS = 5_000;

const quietLog = { debug: () => undefined, warn: () => undefined };

function socketUrl(server: EmbeddedDatabase, database: string): string {
  const s = server.superuser;
  const host = String(s.host);
  const password = encodeURIComponent(String(s.password));
  return host.startsWith('/')
    ? `postgresql://${s.user ?? 'postgres'}:${password}@localhost/${database}?host=${encodeURIComponent(host)}&port=${String(s.port)}`
    : `postgresql://${s.user ?? 'postgres'}:${password}@${host}:${String(s.port)}/${database}`;
}

function postmasterPid(dataDir: string): number {
  const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('no postmaster pid to kill');
  return pid;
}

/** Starts the server again on the same folder; the killed one's backends may take a moment to go. */
async function restartPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await startEmbeddedPostgres(dataDir, quietLog);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

type Phase = 'before' | 'outage' | 'after';

interface Outcome {
  readonly phase: Phase;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly code: string | undefined;
  readonly patientId: string | undefined;
  readonly transportError: string | undefined;
}

export async function runDbOutageDrill(options: DbOutageOptions): Promise<DrillResult> {
  const findings = new Findings();
  const setupStarted = performance.now();
  const dir = tempDir('ward-drill-pg-');
  let postgres: EmbeddedDatabase | undefined = await startEmbeddedPostgres(dir.path, quietLog);
  const admin = new pg.Client({ connectionString: socketUrl(postgres, 'postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE ward_drill');
  await admin.end();
  const databaseUrl = socketUrl(postgres, 'ward_drill');
  const ward = await startWardProcess({ databaseUrl, runtimeRole: 'ward_drill_app' });
  const agent = agentFrom(undefined, options.concurrency + 4);
  try {
    // An owner connection would die with the server (and an idle pg client's error is thrown at
    // the pool): use one before the kill and a new one afterwards.
    const setup = ownerDb(databaseUrl);
    const clerk = await createTestUser(setup, { institution: true, roles: ['administrative'] }).finally(() =>
      setup.destroy(),
    );
    const { token } = await signInForToken(ward.url, clerk.username, clerk.password, { agent });
    findings.note(
      `setup (initdb, PostgreSQL, Ward, one sign-in): ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    const createPath = `/api/institutions/${clerk.institutionId ?? ''}/patients`;

    let phase: Phase = 'before';
    let running = true;
    let serial = 0;
    const outcomes: Outcome[] = [];
    const createPatient = async (): Promise<void> => {
      serial += 1;
      const { body, headers } = jsonBody({
        identifierType: 'drill',
        identifierValue: `outage-${String(process.pid)}-${String(serial)}`,
        familyName: 'Outage',
        givenNames: `Patient ${String(serial)}`,
        birthDate: '1980-01-01',
        sex: 'unknown',
      });
      const startedAt = performance.now();
      const startPhase = phase;
      let answer: Answer | undefined;
      let transportError: string | undefined;
      try {
        answer = await request(ward.url, {
          method: 'POST',
          path: createPath,
          body,
          headers: { ...headers, ...bearer(token) },
          agent,
          timeoutMs: 15_000,
        });
      } catch (error) {
        transportError = error instanceof Error ? error.message : String(error);
      }
      const patientId = answer?.status === 201 ? (JSON.parse(answer.text) as { id: string }).id : undefined;
      outcomes.push({
        phase: startPhase,
        startedAt,
        endedAt: performance.now(),
        status: answer?.status ?? 0,
        code: answer ? errorCodeOf(answer) : undefined,
        patientId,
        transportError,
      });
      // Refusals come back at once: pace the loop so the outage is not a busy loop.
      if (answer?.status !== 201) await sleep(20);
    };
    const loops = Array.from({ length: options.concurrency }, async () => {
      while (running) await createPatient();
    });

    await sleep(options.beforeSeconds * 1000);
    const ackedBeforeKill = outcomes.filter((o) => o.status === 201).length;
    process.kill(postmasterPid(dir.path), 'SIGKILL');
    const killedAt = performance.now();
    phase = 'outage';
    postgres = undefined; // that handle's process is gone; its stop() would wait forever

    // Probes while it is down (after a moment for Ward's connections to notice).
    await sleep(Math.min(1000, (options.outageSeconds * 1000) / 2));
    if (!ward.alive()) throw new Error(`Ward ended during the outage: ${ward.exitReport()}`);
    const health = await request(ward.url, { path: '/healthz', agent });
    const ready = await request(ward.url, { path: '/readyz', agent });
    const me = await request(ward.url, { path: '/api/me', headers: bearer(token), agent });
    findings.check(health.status === 200, `/healthz answered ${String(health.status)} during the outage`);
    findings.check(
      ready.status === 503 && errorCodeOf(ready) === 'database_unavailable',
      `/readyz answered ${String(ready.status)} ${ready.text} during the outage`,
    );
    findings.check(
      me.status === 503 && errorCodeOf(me) === 'database_unavailable',
      `GET /api/me answered ${String(me.status)} ${me.text} during the outage`,
    );
    await sleep(Math.max(0, killedAt + options.outageSeconds * 1000 - performance.now()));

    const restartStarted = performance.now();
    postgres = await restartPostgres(dir.path);
    const backAt = performance.now();
    phase = 'after';
    let readyAgainAt: number | undefined;
    while (readyAgainAt === undefined && performance.now() - backAt < 30_000) {
      const probe = await request(ward.url, { path: '/readyz', agent });
      if (probe.status === 200) readyAgainAt = performance.now();
      else await sleep(50);
    }
    await sleep(options.afterSeconds * 1000);
    running = false;
    await Promise.all(loops);
    findings.check(ward.alive(), 'the Ward process died');

    const firstAckAfterBack = outcomes
      .filter((o) => o.status === 201 && o.endedAt >= backAt)
      .reduce((min, o) => Math.min(min, o.endedAt), Number.POSITIVE_INFINITY);
    const recoveryMs = firstAckAfterBack - backAt;
    const acked = outcomes.flatMap((o) => (o.patientId === undefined ? [] : [o.patientId]));
    const owner = ownerDb(databaseUrl);
    const present = await owner
      .selectFrom('ward.patients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('id', 'in', acked.length > 0 ? acked : ['00000000-0000-0000-0000-000000000000'])
      .executeTakeFirstOrThrow();
    const stored = await owner
      .selectFrom('ward.patients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('institution_id', '=', clerk.institutionId ?? '')
      .executeTakeFirstOrThrow();

    const byPhase = (p: Phase, test: (o: Outcome) => boolean): number =>
      outcomes.filter((o) => o.phase === p && test(o)).length;
    const isUnavailable = (o: Outcome): boolean => o.status === 503 && o.code === 'database_unavailable';
    const unexpected = outcomes.filter((o) => o.status !== 201 && !isUnavailable(o));
    for (const p of ['before', 'outage', 'after'] as const) {
      findings.note(
        `${p.padEnd(6)}: ${String(byPhase(p, () => true))} requests, ${String(byPhase(p, (o) => o.status === 201))} × 201, ${String(byPhase(p, isUnavailable))} × 503 database_unavailable, ${String(byPhase(p, (o) => o.status !== 201 && !isUnavailable(o)))} other`,
      );
    }
    findings.note(
      `postgres killed (SIGKILL) after ${String(ackedBeforeKill)} acknowledged creations; restarted ${((backAt - restartStarted) / 1000).toFixed(1)} s after the restart began`,
    );
    findings.note(
      `first 201 ${Number.isFinite(recoveryMs) ? `${recoveryMs.toFixed(0)} ms` : 'never'} after the database was back; /readyz 200 after ${readyAgainAt === undefined ? 'never' : `${(readyAgainAt - backAt).toFixed(0)} ms`}`,
    );
    await owner.destroy();
    findings.note(
      `acknowledged patients: ${String(acked.length)}; of them in the database: ${present.n}; patients stored in all: ${stored.n}`,
    );
    findings.check(ackedBeforeKill > 0, 'no patient was created before the kill');
    findings.check(
      byPhase('outage', isUnavailable) > 0,
      'no request saw the outage as 503 database_unavailable',
    );
    findings.check(
      unexpected.length === 0,
      `${String(unexpected.length)} answers were neither 201 nor 503 database_unavailable (first: ${
        unexpected[0] === undefined
          ? ''
          : `${unexpected[0].phase} ${String(unexpected[0].status)} ${unexpected[0].code ?? unexpected[0].transportError ?? ''}`
      })`,
    );
    findings.check(
      recoveryMs <= RECOVERY_LIMIT_MS,
      `Ward served again ${Number.isFinite(recoveryMs) ? `${recoveryMs.toFixed(0)} ms` : 'never'} after the database was back (limit ${String(RECOVERY_LIMIT_MS)} ms)`,
    );
    findings.check(
      Number(present.n) === acked.length,
      `${String(acked.length - Number(present.n))} acknowledged patients are missing from the database`,
    );
    findings.check(
      ward.errors().every((line) => !line.includes('"level":60')),
      'Ward logged a fatal error',
    );
    return findings.result(
      'db-outage',
      `${String(acked.length)} acknowledged creations all stored; ${String(byPhase('outage', isUnavailable))} × 503 during the outage; served again ${recoveryMs.toFixed(0)} ms after the database returned`,
    );
  } finally {
    agent.destroy();
    await ward.stop();
    await postgres?.stop();
    dir.remove();
  }
}

runAsScript(import.meta, (argv) =>
  runDbOutageDrill(
    argv.includes('--quick')
      ? DB_OUTAGE_QUICK
      : { ...DB_OUTAGE_FULL, concurrency: numberOption(argv, 'concurrency', DB_OUTAGE_FULL.concurrency) },
  ),
);

// Shared by the benchmarks: a real Ward on a fresh database (the PostgreSQL of DATABASE_URL, or
// an embedded one), and a small closed-loop load generator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { withTestPostgres } from '../scripts/test-postgres.js';
import { openDatabase } from '../server/src/db/database.ts';
import { seedDemo } from '../server/src/seed/seed.ts';
import type { RunningWard } from '../server/test/harness.ts';

/** Runs `body` with TEST_DATABASE_URL pointing at a PostgreSQL server, as the tests do. */
export async function withBenchPostgres(body: () => Promise<void>): Promise<void> {
  await withTestPostgres(async (env) => {
    Object.assign(process.env, env);
    await body();
    return 0;
  });
}

export function benchDir(): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ward-bench-'));
  return {
    path: dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latenciesMs: number[];
}

/** Runs `operation` from `concurrency` loops for `seconds`, after a short warm-up. */
export async function closedLoop(
  operation: () => Promise<void>,
  concurrency: number,
  seconds: number,
): Promise<LoadResult> {
  const warmUntil = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmUntil) await operation();
    }),
  );
  const latenciesMs: number[] = [];
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await operation();
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return {
    operations: latenciesMs.length,
    seconds: elapsed,
    perSecond: latenciesMs.length / elapsed,
    latenciesMs,
  };
}

/** One request of a load run: sent as is, answered 200 when it succeeds. */
export interface LoadRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpLoadReport {
  readonly operations: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly failures: number;
}

// The load generator runs on its own thread with node:http, so that it does not share the server's
// event loop and costs the machine little: a closed loop of `connections` keep-alive connections,
// each sending its next request as soon as the previous answer is read, over a rotating list.
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { requests, connections, seconds, warmUpSeconds } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let next = 0;
function send() {
  const r = requests[next++ % requests.length];
  return new Promise((resolve) => {
    const headers = { ...(r.headers || {}) };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const req = http.request(r.url, { method: r.method || 'GET', agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(r.body);
  });
}
async function loop(until, latencies, counts) {
  while (performance.now() < until) {
    const t = performance.now();
    const ok = await send();
    if (latencies) latencies.push(performance.now() - t);
    if (!ok) counts.failures++;
  }
}
(async () => {
  const counts = { failures: 0 };
  const warmUntil = performance.now() + warmUpSeconds * 1000;
  await Promise.all(Array.from({ length: connections }, () => loop(warmUntil, undefined, { failures: 0 })));
  const latencies = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: connections }, () => loop(start + seconds * 1000, latencies, counts)));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  parentPort.postMessage({ operations: latencies.length, seconds: elapsed, latenciesMs: latencies, failures: counts.failures });
})();
`;

/** Sends `requests` (in turn) from `connections` closed loops on a worker thread for `seconds`. */
export function httpLoad(
  requests: readonly LoadRequest[],
  options: { connections: number; seconds: number; warmUpSeconds?: number },
): Promise<HttpLoadReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: { requests, warmUpSeconds: 1, ...options },
    });
    worker.once('message', (report: HttpLoadReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** A database log that keeps quiet unless something is wrong. */
export const quietLog = {
  info: (): void => undefined,
  debug: (): void => undefined,
  warn: (m: string): void => {
    console.warn(m);
  },
  error: (m: string): void => {
    console.error(m);
  },
};

/** Signs in over HTTP and returns a bearer token. */
export async function bearerToken(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, tokenDelivery: 'bearer' }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 200 || body.token === undefined)
    throw new Error(`sign-in of ${username} answered ${response.status}: ${JSON.stringify(body)}`);
  return body.token;
}

/** p50/p95/p99 of latencies in milliseconds, as one line. */
export function latencyLine(latenciesMs: readonly number[]): string {
  return `p50 ${fmt(percentile(latenciesMs, 50))} ms, p95 ${fmt(percentile(latenciesMs, 95))} ms, p99 ${fmt(percentile(latenciesMs, 99))} ms`;
}

/**
 * Seeds `patients` demo patients into a running Ward's database as its runtime role (as `ward seed`
 * does), then has the owner vacuum and analyse, as autovacuum soon would on a live server.
 */
export async function seedForBench(
  ward: RunningWard,
  patients: number,
): Promise<{ institutionId: string; doctor: { username: string; password: string }; seconds: number }> {
  const database = await openDatabase(ward.config, quietLog);
  const password = 'lantern meadow quiet river stone';
  const started = performance.now();
  let reported = 0;
  try {
    const result = await seedDemo(database.db, {
      patients,
      demoPassword: password,
      onProgress: (p) => {
        if (p.patients - reported >= 200_000 || p.patients === p.total) {
          reported = p.patients;
          console.log(
            `  seeded ${p.patients}/${p.total} patients (${fmt((performance.now() - started) / 1000)} s)`,
          );
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const owner = new pg.Client({ connectionString: ward.database.url });
    await owner.connect();
    try {
      await owner.query('VACUUM ANALYZE ward.patients, ward.encounters, ward.patient_name_words');
    } finally {
      await owner.end();
    }
    const doctor = result.users.find((u) => u.role === 'doctor');
    if (!doctor) throw new Error('no demo doctor');
    return { institutionId: result.institutionId, doctor: { username: doctor.username, password }, seconds };
  } finally {
    await database.close();
  }
}

// Export throughput and the server's memory: a real Ward server in a child process (so that its
// resident memory is its own, read from /proc/<pid>/status), patients seeded by SQL, and a doctor
// with the export permission streaming GET /exports/patients as NDJSON and CSV over HTTP. For each
// size it prints records per second, the server's CPU time (records per CPU second say what the
// server can do when the machine is shared), and its resident memory before and at the peak of the
// export, sampled every 20 ms. Targets: >= 50,000 records/s; peak RSS <= 200 MB and flat as the
// size grows.
//
//   npm run bench -- export            (DATABASE_URL: use that PostgreSQL; else embedded)
//   BENCH_SIZES=20000,200000 npm run bench -- export
//   NODE_OPTIONS='--max-old-space-size=96' npm run bench -- export   (V8 flags reach the server)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { grantExport, seedPatients } from '../server/src/export/test-support.ts';
import { createInstitution } from '../server/src/identity/store.ts';
import { createTestDatabase, wardProcessEnv, writeProperties } from '../server/test/harness.ts';
import { createTestUser, ownerDb } from '../server/test/users.ts';
import { benchDir, fmt, withBenchPostgres } from './support.ts';

const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const SEED_CHUNK = 100_000;
const ROOT = path.resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** A field of /proc/<pid>/status in MiB (VmRSS: resident now; VmHWM: the peak so far). */
function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU seconds the process has used so far (user and system), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitUntilUp(url: string, server: ChildProcess): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`Ward exited with status ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('Ward did not start within two minutes');
}

async function call(url: string, init: RequestInit & { token?: string }): Promise<unknown> {
  const { token, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

interface ExportRun {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly firstByteMs: number;
  readonly peakRssMb: number;
  /** CPU seconds the server spent on the export. */
  readonly serverCpu: number;
}

/** Streams one export to its end, counting lines and sampling the server's resident memory. */
async function runExport(url: string, token: string, pid: number): Promise<ExportRun> {
  let peakRssMb = memoryMb(pid, 'VmRSS');
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, memoryMb(pid, 'VmRSS'));
  }, 20);
  const cpuBefore = cpuSeconds(pid);
  try {
    const start = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200 || !response.body)
      throw new Error(`export answered ${response.status}: ${await response.text()}`);
    let lines = 0;
    let bytes = 0;
    let firstByteMs = 0;
    for await (const chunk of response.body) {
      const data = chunk as Uint8Array;
      if (bytes === 0) firstByteMs = performance.now() - start;
      bytes += data.length;
      for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
    }
    const seconds = (performance.now() - start) / 1000;
    peakRssMb = Math.max(peakRssMb, memoryMb(pid, 'VmRSS'));
    return { records: lines, bytes, seconds, firstByteMs, peakRssMb, serverCpu: cpuSeconds(pid) - cpuBefore };
  } finally {
    clearInterval(sampler);
  }
}

await withBenchPostgres(async () => {
  const database = await createTestDatabase();
  const dir = benchDir();
  const port = await freePort();
  const file = writeProperties(dir.path, {
    'server.port': String(port),
    'data.dir': path.join(dir.path, 'data'),
    'database.url': database.url,
    'database.runtime.role': database.runtimeRole,
    'admin.password': 'correct horse battery staple for benchmarks',
    'log.level': 'warn',
  });
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/ward.js'), 'start', '--config', file], {
    cwd: ROOT,
    env: wardProcessEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const db = ownerDb(database.url);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(base, server);
    const pid = server.pid;
    if (pid === undefined) throw new Error('no server process');
    const startedRssMb = memoryMb(pid, 'VmRSS');

    const institutionId = (
      await createInstitution(db, { name: 'Export Benchmark Hospital', timeZone: 'UTC' })
    ).id;
    const doctor = await createTestUser(db, { institution: institutionId, roles: ['doctor'] });
    await grantExport(db, doctor.id, institutionId);
    const { token } = (await call(`${base}/api/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ username: doctor.username, password: doctor.password, tokenDelivery: 'bearer' }),
    })) as { token: string };
    const reauthenticate = (): Promise<unknown> =>
      call(`${base}/api/me/reauthenticate`, {
        method: 'POST',
        token,
        body: JSON.stringify({ password: doctor.password }),
      });

    console.log(`Ward server pid ${pid}, resident after start ${fmt(startedRssMb)} MB`);
    console.log(
      'size       format  records/s   MB/s  first byte  seconds  server CPU s  records/CPU-s  RSS before  peak RSS  VmHWM',
    );
    const results: { size: number; format: string; run: ExportRun }[] = [];
    let seeded = 0;
    for (const size of SIZES) {
      const seedStart = performance.now();
      while (seeded < size) {
        const count = Math.min(SEED_CHUNK, size - seeded);
        await seedPatients(db, institutionId, count, seeded + 1);
        seeded += count;
      }
      await sql`ANALYZE ward.patients`.execute(db);
      const seedSeconds = (performance.now() - seedStart) / 1000;
      console.log(`(seeded up to ${size.toLocaleString('en')} patients in ${fmt(seedSeconds)} s)`);
      for (const format of ['ndjson', 'csv'] as const) {
        await reauthenticate();
        const before = memoryMb(pid, 'VmRSS');
        const run = await runExport(
          `${base}/api/institutions/${institutionId}/exports/patients?format=${format}`,
          token,
          pid,
        );
        const expected = size + (format === 'csv' ? 1 : 0);
        if (run.records !== expected)
          throw new Error(`${format}: ${run.records} lines, expected ${expected}`);
        results.push({ size, format, run });
        const perSecond = size / run.seconds;
        const columns = [
          size.toLocaleString('en').padEnd(10),
          format.padEnd(6),
          fmt(perSecond, 0).padStart(10),
          fmt(run.bytes / 2 ** 20 / run.seconds).padStart(6),
          `${fmt(run.firstByteMs, 0)} ms`.padStart(11),
          fmt(run.seconds, 2).padStart(8),
          fmt(run.serverCpu, 2).padStart(13),
          fmt(size / run.serverCpu, 0).padStart(14),
          `${fmt(before)} MB`.padStart(11),
          `${fmt(run.peakRssMb)} MB`.padStart(9),
          `${fmt(memoryMb(pid, 'VmHWM'))} MB`.padStart(9),
        ];
        console.log(columns.join(' '));
      }
    }

    const smallest = SIZES[0];
    const largest = SIZES[SIZES.length - 1];
    if (smallest !== undefined && largest !== undefined && smallest !== largest) {
      for (const format of ['ndjson', 'csv']) {
        const small = results.find((r) => r.size === smallest && r.format === format)?.run;
        const large = results.find((r) => r.size === largest && r.format === format)?.run;
        if (!small || !large) continue;
        console.log(
          `${format}: ${largest.toLocaleString('en')} vs ${smallest.toLocaleString('en')} patients — records/s ratio ${fmt(largest / large.seconds / (smallest / small.seconds), 2)}, peak RSS ratio ${fmt(large.peakRssMb / small.peakRssMb, 2)}`,
        );
      }
    }
    const slowest = Math.min(...results.map((r) => r.size / r.run.seconds));
    const highest = Math.max(...results.map((r) => r.run.peakRssMb));
    console.log(
      `slowest ${fmt(slowest, 0)} records/s (target >= 50,000); highest peak RSS ${fmt(highest)} MB (target <= 200 MB)`,
    );
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      if (server.exitCode !== null) resolve(undefined);
      else server.once('exit', resolve);
    });
    await db.destroy();
    await database.drop();
    dir.remove();
  }
});

// Authenticated, audited patient reads per second (GET /api/institutions/:iid/patients/:pid with a
// doctor's bearer token: session check, permission check, patient row, care-relationship check,
// audit row) next to a bare Fastify endpoint returning a small JSON, measured in the same run by
// the same client at the same concurrency. Targets: ratio >= 0.35, Ward's p99 <= 25 ms.
//
//   npm run bench -- patient-reads      (BENCH_SECONDS, BENCH_PATIENTS, BENCH_CONNECTIONS)
import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import pg from 'pg';
import { startWard } from '../server/test/harness.ts';
import {
  bearerToken,
  fmt,
  httpLoad,
  percentile,
  seedForBench,
  withBenchPostgres,
  type HttpLoadReport,
  type LoadRequest,
} from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 16);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROTATION = 1_000;

await withBenchPostgres(async () => {
  const ward = await startWard();
  const bare = fastify();
  bare.get<{ Params: { pid: string } }>('/patients/:pid', async (request) => ({
    id: request.params.pid,
    familyName: 'García',
    givenNames: 'Ana María',
    birthDate: '1980-05-17',
  }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    const seeded = await seedForBench(ward, PATIENTS);
    const owner = new pg.Client({ connectionString: ward.database.url });
    await owner.connect();
    const ids = await owner
      .query<{ id: string }>(`SELECT id FROM ward.patients ORDER BY random() LIMIT ${ROTATION}`)
      .then((r) => r.rows.map((row) => row.id));
    await owner.end();
    const token = await bearerToken(ward.url, seeded.doctor.username, seeded.doctor.password);
    const auth = { authorization: `Bearer ${token}` };
    const wardRequests: LoadRequest[] = ids.map((id) => ({
      url: `${ward.url}/api/institutions/${seeded.institutionId}/patients/${id}`,
      headers: auth,
    }));
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/patients`;
    const bareRequests: LoadRequest[] = ids.map((id) => ({ url: `${bareUrl}/${id}` }));

    // Alternate the two twice, so that drift on a shared machine hits both alike.
    const runs: { bare: HttpLoadReport[]; ward: HttpLoadReport[] } = { bare: [], ward: [] };
    for (let round = 0; round < 2; round++) {
      runs.bare.push(await httpLoad(bareRequests, { connections: CONNECTIONS, seconds: SECONDS / 2 }));
      runs.ward.push(await httpLoad(wardRequests, { connections: CONNECTIONS, seconds: SECONDS / 2 }));
    }
    const summary = (reports: HttpLoadReport[]) => {
      const operations = reports.reduce((n, r) => n + r.operations, 0);
      const seconds = reports.reduce((n, r) => n + r.seconds, 0);
      const latencies = reports.flatMap((r) => r.latenciesMs);
      const failures = reports.reduce((n, r) => n + r.failures, 0);
      return { perSecond: operations / seconds, latencies, failures };
    };
    const b = summary(runs.bare);
    const w = summary(runs.ward);
    console.log(
      `${CONNECTIONS} connections, ${SECONDS} s each, ${PATIENTS} patients, reads rotating over ${ids.length} of them`,
    );
    console.log(
      `bare Fastify requests/s     : ${fmt(b.perSecond)}  (p50 ${fmt(percentile(b.latencies, 50))} ms, p99 ${fmt(percentile(b.latencies, 99))} ms)`,
    );
    console.log(
      `Ward audited reads/s        : ${fmt(w.perSecond)}  (p50 ${fmt(percentile(w.latencies, 50))} ms, p99 ${fmt(percentile(w.latencies, 99))} ms)`,
    );
    if (b.failures + w.failures > 0) console.log(`failed requests: bare ${b.failures}, Ward ${w.failures}`);
    console.log(`ratio Ward / bare           : ${fmt(w.perSecond / b.perSecond, 2)}  (target >= 0.35)`);
    console.log(`Ward p99                    : ${fmt(percentile(w.latencies, 99))} ms  (target <= 25 ms)`);
  } finally {
    await bare.close();
    await ward.stop();
  }
});

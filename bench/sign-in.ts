// Sign-ins per second through the real HTTP API (throttle checks, argon2id, session row, attempt
// record) next to raw argon2id verifications per second with the same parameters, measured in the
// same run. Target: ratio >= 0.9 (the password hash should be nearly all of a sign-in's cost).
//
//   npm run bench -- sign-in            (DATABASE_URL: use that PostgreSQL; else embedded)
import argon2 from 'argon2';
import { ARGON2_PARAMS, HASH_SLOTS, hashPassword } from '../server/src/auth/passwords/index.ts';
import { startWard } from '../server/test/harness.ts';
import { createTestUser, ownerDb } from '../server/test/users.ts';
import { closedLoop, fmt, httpLoad, percentile, withBenchPostgres, type LoadRequest } from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
// argon2 runs on libuv's thread pool (4 threads by default). The baseline is raw argon2id at its
// best: from as many loops as the pool has threads, and from as many as Ward runs at once (one per
// CPU, HASH_SLOTS); the faster of the two counts.
const RAW_CONCURRENCIES = [...new Set([4, HASH_SLOTS])];
// Sign-ins keep a few more requests in flight than argon2 has threads, so that the pool never waits
// on the database round trips around each hash. They come from a worker thread (bench/support.ts,
// httpLoad), as they would from other machines, not from Ward's own event loop. The accounts
// take turns: one account signing in many times at once would, rightly, trip its own backoff.
const HTTP_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PASSWORD = 'correct horse battery staple for tests';

await withBenchPostgres(async () => {
  const ward = await startWard();
  const db = ownerDb(ward.database.url);
  try {
    const people = await Promise.all(
      Array.from({ length: 2 * HTTP_CONCURRENCY }, () =>
        createTestUser(db, { institution: true, password: PASSWORD }),
      ),
    );
    // Each request names its account and the worker sends them in turn: with twice as many accounts
    // as loops, an account seldom has two sign-ins in flight, and never enough to lock it.
    const logins: LoadRequest[] = people.map((person) => ({
      url: `${ward.url}/api/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: person.username, password: PASSWORD, tokenDelivery: 'bearer' }),
    }));
    const signIns = async (seconds: number) => {
      const report = await httpLoad(logins, { connections: HTTP_CONCURRENCY, seconds });
      if (report.failures > 0) throw new Error(`${report.failures} sign-ins were refused`);
      return { perSecond: report.operations / report.seconds, latenciesMs: report.latenciesMs };
    };
    const hash = await hashPassword(PASSWORD);
    const verify = async (): Promise<void> => {
      if (!(await argon2.verify(hash, PASSWORD))) throw new Error('argon2 verification failed');
    };

    // Alternate them twice so that drift on a shared machine hits all alike.
    const rawRuns = new Map<number, number[]>(RAW_CONCURRENCIES.map((c) => [c, []]));
    const httpRuns: Awaited<ReturnType<typeof signIns>>[] = [];
    for (let round = 0; round < 2; round++) {
      for (const [concurrency, rates] of rawRuns)
        rates.push((await closedLoop(verify, concurrency, SECONDS / 2)).perSecond);
      httpRuns.push(await signIns(SECONDS / 2));
    }
    const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const raw = Math.max(...[...rawRuns.values()].map(mean));
    const http = mean(httpRuns.map((r) => r.perSecond));
    const latencies = httpRuns.flatMap((r) => r.latenciesMs);
    console.log(
      `argon2id m=${ARGON2_PARAMS.memoryCost} KiB t=${ARGON2_PARAMS.timeCost} p=${ARGON2_PARAMS.parallelism}; ${HTTP_CONCURRENCY} HTTP loops (${people.length} accounts); ${SECONDS} s each`,
    );
    for (const [concurrency, rates] of rawRuns)
      console.log(`raw argon2id, ${concurrency} at once    : ${fmt(mean(rates))}/s`);
    console.log(`raw argon2id verifications/s : ${fmt(raw)}  (the faster)`);
    console.log(
      `HTTP sign-ins/s              : ${fmt(http)}  (p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms)`,
    );
    console.log(`ratio sign-ins / argon2id    : ${fmt(http / raw, 2)}  (target >= 0.90)`);
  } finally {
    await db.destroy();
    await ward.stop();
  }
});

// Shared by the benchmarks: a real Ward on a fresh database (the PostgreSQL of DATABASE_URL, or
// an embedded one), and a small closed-loop load generator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withTestPostgres } from '../scripts/test-postgres.js';

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

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

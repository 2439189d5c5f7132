import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { GENESIS_HASH } from './chain.ts';
import type { AuditKey } from './log.ts';
import {
  checkSealRange,
  checkUnsealedRows,
  verificationKeys,
  type RowsReport,
  type SealRange,
} from './verify-range.ts';
import type { VerifyWorkerData, VerifyWorkerMessage, VerifyWorkerTask } from './verify-worker.ts';

export type AuditProblemKind = 'changed' | 'deleted' | 'inserted_out_of_band' | 'unverifiable_key';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** The audit row's id (or, for a deleted row, the id its seal names). */
  readonly eventId: string;
  readonly chainSeq: string | null;
  readonly message: string;
}

export interface VerificationReport {
  readonly sealed: number;
  readonly unsealed: number;
  /** The chain's last hash: record it elsewhere to detect a truncated tail later. */
  readonly headHash: string;
  readonly headSeq: string;
  /** The first problem found, or undefined when the whole trail checks out. */
  readonly firstProblem: AuditProblem | undefined;
  readonly problems: number;
}

export interface VerifyOptions {
  /** Worker threads that check the chain, each through its own connection. 0: this thread alone. */
  readonly workers?: number;
  /** Seals per range handed to a worker. */
  readonly rangeSize?: number;
}

// Ranges are handed out as workers finish their last, so a worker slowed by other work on the
// machine takes fewer; each range costs one extra index lookup (the seal before it).
const RANGE_SIZE = 50_000n;

/** [first, last] cut into consecutive ranges of `size` seals. */
function sealRanges(first: bigint, last: bigint, size: bigint): SealRange[] {
  const ranges: SealRange[] = [];
  for (let from = first; from <= last; from += size) {
    const to = from + size > last ? last + 1n : from + size;
    ranges.push({ from: from.toString(), to: to.toString() });
  }
  return ranges;
}

// Ward's TypeScript runs through tsx, whose loader a worker thread does not inherit (neither
// `--import tsx` nor tsx's register()): the worker starts from one line of JavaScript that loads
// its TypeScript entry through tsx.
const WORKER_ENTRY = new URL(
  `data:text/javascript,${encodeURIComponent(
    `import { tsImport } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
await tsImport(${JSON.stringify(new URL('./verify-worker.ts', import.meta.url).href)}, ${JSON.stringify(import.meta.url)});`,
  )}`,
);

/** The pool's connection settings, for workers' own connections; undefined when they cannot be handed over. */
function connectionForWorkers(pool: pg.Pool): pg.ClientConfig | undefined {
  const { connectionString, host, port, user, password, database, ssl } = pool.options;
  if (password !== undefined && typeof password !== 'string') return undefined;
  return { connectionString, host, port, user, password, database, ssl };
}

/**
 * Checks `ranges` on `count` worker threads, each in the exported snapshot `data.snapshot`; the
 * reports come back in the order of the ranges.
 */
async function checkRangesInWorkers(
  data: VerifyWorkerData,
  ranges: readonly SealRange[],
  count: number,
): Promise<RowsReport[]> {
  const reports: RowsReport[] = [];
  let next = 0;
  const workers: Worker[] = [];
  const run = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_ENTRY, { workerData: data });
      workers.push(worker);
      let current = -1;
      let done = false;
      const hand = (): void => {
        const range = ranges[next];
        const task: VerifyWorkerTask = range ?? null;
        if (range) current = next++;
        else done = true;
        worker.postMessage(task);
      };
      worker.on('message', (message: VerifyWorkerMessage) => {
        if ('error' in message) {
          reject(new Error(`audit-verify worker: ${message.error}`));
          return;
        }
        if ('report' in message) reports[current] = message.report;
        hand();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (done && code === 0) resolve();
        else reject(new Error(`audit-verify worker stopped early (exit code ${code})`));
      });
    });
  try {
    await Promise.all(Array.from({ length: count }, run));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return reports;
}

/**
 * Walks the whole chain and checks every link and every row's MAC; then checks rows not yet
 * sealed. Reports the first row that was changed, deleted or inserted out of band, in chain order,
 * then id order for unsealed rows. Everything is read in one REPEATABLE READ snapshot, so a row
 * sealed while the chain is walked is checked once, as not yet sealed.
 *
 * The links are independent of each other once read (each continues from the hash stored in the
 * seal before it), so ranges of the chain are checked in parallel, by worker threads that import
 * this transaction's snapshot; the reports are put back in chain order.
 */
export async function verifyAuditTrail(
  pool: pg.Pool,
  auditKeys: readonly AuditKey[],
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const keys = verificationKeys(auditKeys);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Compiling these plans to machine code takes longer than it saves (~80 ms each on 1M rows).
    await client.query('SET LOCAL jit = off');
    const { rows: heads } = await client.query<{ first: string; last: string; hash: string }>(
      `SELECT (SELECT min(chain_seq) FROM ward.audit_seals)::text AS first, chain_seq::text AS last,
          encode(hash, 'hex') AS hash
        FROM ward.audit_seals ORDER BY chain_seq DESC LIMIT 1`,
    );
    const head = heads[0];
    const ranges = head
      ? sealRanges(BigInt(head.first), BigInt(head.last), BigInt(options.rangeSize ?? RANGE_SIZE))
      : [];
    const connection = connectionForWorkers(pool);
    // Starting a worker (loading its modules) takes longer than a range takes: one range, no worker.
    const workers =
      connection && ranges.length > 1
        ? Math.min(options.workers ?? availableParallelism(), ranges.length)
        : 0;
    let chain: RowsReport[];
    let unsealed: RowsReport;
    if (connection && workers > 0) {
      const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      const snapshot = rows[0]?.id ?? '';
      // The rows not yet sealed are checked here meanwhile, in the same snapshot.
      [chain, unsealed] = await Promise.all([
        checkRangesInWorkers({ connection, snapshot, keys: auditKeys }, ranges, workers),
        checkUnsealedRows(client, keys),
      ]);
    } else {
      chain = [];
      for (const range of ranges) chain.push(await checkSealRange(client, keys, range));
      unsealed = await checkUnsealedRows(client, keys);
    }
    await client.query('COMMIT');
    const parts = [...chain, unsealed];
    return {
      sealed: chain.reduce((sum, r) => sum + r.rows, 0),
      unsealed: unsealed.rows,
      headHash: head?.hash ?? GENESIS_HASH.toString('hex'),
      headSeq: head?.last ?? '0',
      firstProblem: parts.find((r) => r.firstProblem)?.firstProblem,
      problems: parts.reduce((sum, r) => sum + r.problems, 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// A worker thread of `audit-verify`: checks the ranges of the chain it is sent, through its own
// connection, in the snapshot the verifier exported; answers each with its RowsReport.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { AuditKey } from './log.ts';
import { checkSealRange, verificationKeys, type RowsReport, type SealRange } from './verify-range.ts';

export interface VerifyWorkerData {
  readonly connection: pg.ClientConfig;
  /** pg_export_snapshot() of the verifier's transaction. */
  readonly snapshot: string;
  readonly keys: readonly AuditKey[];
}

/** To the worker: a range to check, or null when there are no more. */
export type VerifyWorkerTask = SealRange | null;

/** From the worker: ready once in the snapshot, then a report per range, or the error that stopped it. */
export type VerifyWorkerMessage =
  { readonly ready: true } | { readonly report: RowsReport } | { readonly error: string };

const port = parentPort;
if (!port) throw new Error('verify-worker.ts runs as a worker thread');
const data = workerData as VerifyWorkerData;
const post = (message: VerifyWorkerMessage): void => {
  port.postMessage(message);
};

// Tasks run one after another; the first error is reported, and the verifier then ends the thread.
let failed = false;
const fail = (error: unknown): void => {
  if (failed) return;
  failed = true;
  post({ error: error instanceof Error ? error.message : String(error) });
};
const client = new pg.Client(data.connection);
client.on('error', (error) => {
  fail(new Error(`database connection lost: ${error.message}`));
});
const keys = verificationKeys(data.keys);

async function start(): Promise<void> {
  if (!/^[0-9A-F-]+$/i.test(data.snapshot)) throw new Error(`not a snapshot id: ${data.snapshot}`);
  await client.connect();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query(`SET TRANSACTION SNAPSHOT '${data.snapshot}'`);
  // Compiling these plans to machine code takes longer than it saves.
  await client.query('SET LOCAL jit = off');
}

let work = start().then(() => {
  post({ ready: true });
});
work.catch(fail);
port.on('message', (task: VerifyWorkerTask) => {
  work = work.then(async () => {
    if (task === null) {
      await client.query('COMMIT');
      await client.end();
      port.close();
      return;
    }
    post({ report: await checkSealRange(client, keys, task) });
  });
  work.catch(fail);
});

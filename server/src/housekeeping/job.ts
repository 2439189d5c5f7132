import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { PURGE_BATCH, PURGES, type Purge } from './purges.ts';

/** How often each node purges. Nothing waits on a purge, so this only bounds how long rows linger. */
export const HOUSEKEEPING_INTERVAL_MS = 5 * 60_000;

// Batches per table per run: 1,000,000 rows at 5,000 a batch. A backlog larger than that (a first
// run on a database that never purged) drains over the following runs.
const MAX_BATCHES_PER_RUN = 200;

export type PurgeCounts = Record<string, number>;

/**
 * Deletes every row past retention, table by table, a batch per statement until a batch comes back
 * short. Safe on several nodes at once, with no lock to coordinate them: each batch takes the rows it
 * deletes FOR UPDATE SKIP LOCKED, so two runs take different rows and a row deleted twice is not an
 * error. (An advisory lock would need a transaction held across all the batches, or a connection
 * kept for the job; it would buy only the saving of a second run's reads.)
 */
export async function purgeExpired(
  db: Kysely<Schema>,
  options: { batch?: number; maxBatches?: number; purges?: readonly Purge[]; stopped?: () => boolean } = {},
): Promise<PurgeCounts> {
  const batch = options.batch ?? PURGE_BATCH;
  const maxBatches = options.maxBatches ?? MAX_BATCHES_PER_RUN;
  const counts: PurgeCounts = {};
  for (const purge of options.purges ?? PURGES) {
    let deleted = 0;
    for (let i = 0; i < maxBatches && !options.stopped?.(); i++) {
      const n = await purge.deleteBatch(db, batch);
      deleted += n;
      if (n < batch) break;
    }
    counts[purge.table] = deleted;
  }
  return counts;
}

export interface Housekeeping {
  stop(): Promise<void>;
}

/** Purges every `intervalMs` on this node, first one interval after start; a run never overlaps the last. */
export function startHousekeeping(
  db: Kysely<Schema>,
  log: { warn(message: string): void },
  intervalMs = HOUSEKEEPING_INTERVAL_MS,
): Housekeeping {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running) return;
    running = (async () => {
      try {
        await purgeExpired(db, { stopped: () => stopped });
      } catch (error) {
        log.warn(`housekeeping: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      // A run in progress ends after its current batch, before the pool closes.
      await running;
    },
  };
}

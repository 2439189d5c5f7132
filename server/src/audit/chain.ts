import { createHmac, KeyObject } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { AuditEventsTable, Schema } from '../db/schema.ts';
import { macContent, type AuditKey, type StoredEventFields } from './log.ts';

export const GENESIS_HASH = Buffer.alloc(32);

/** An audit row as the chain sees it: everything stored, with the time in microseconds. */
export interface ChainEvent extends StoredEventFields {
  readonly id: string;
  readonly occurred_us: string;
  readonly mac: string;
}

/**
 * link(n) = HMAC(key, link(n-1) ‖ canonical(n, row)). Changing, removing or reordering a sealed row
 * breaks its link, and without the key (derived from token.secret, never in the database) nobody
 * can recompute the links after it to hide that.
 */
export function chainHash(
  key: AuditKey | KeyObject,
  previous: Buffer,
  chainSeq: string,
  event: ChainEvent,
  content: string = macContent(event),
): Buffer {
  return createHmac('sha256', key instanceof KeyObject ? key : key.key)
    .update(previous)
    .update(chainLinkText(chainSeq, event.id, event.occurred_us, content, event.mac))
    .digest();
}

/** What a link covers after the previous link: canonicalJson([chainSeq, id, occurred_us, content, mac]), built directly. */
export function chainLinkText(
  chainSeq: string,
  id: string,
  occurredUs: string,
  content: string,
  mac: string,
): string {
  return `[${JSON.stringify(chainSeq)},${JSON.stringify(id)},${JSON.stringify(occurredUs)},${JSON.stringify(content)},${JSON.stringify(mac)}]`;
}

/** The chain's columns of an audit row (alias `e`), for queries that start elsewhere. */
export const CHAIN_EVENT_COLUMNS = [
  'e.id',
  'e.event_id',
  'e.institution_id',
  'e.actor_id',
  'e.actor_username',
  'e.action',
  'e.target_type',
  'e.target_id',
  'e.patient_id',
  'e.outcome',
  'e.ip',
  'e.user_agent',
  'e.reason',
  'e.details',
  'e.mac',
] as const;

/** An audit row's (alias `e`) time in microseconds since 1970, as the chain covers it. */
export const OCCURRED_US_SQL = '(extract(epoch from e.occurred_at) * 1000000)::bigint::text';
export const OCCURRED_US = sql.raw<string>(OCCURRED_US_SQL);

/** Selects audit rows with the columns the chain covers. */
export function chainEventColumns(
  db: Kysely<Schema>,
): SelectQueryBuilder<Schema & { e: AuditEventsTable }, 'e', ChainEvent> {
  return db
    .selectFrom('ward.audit_events as e')
    .select([...CHAIN_EVENT_COLUMNS, OCCURRED_US.as('occurred_us')]);
}

// Only one sealer at a time across every node; the others skip their turn.
const SEALER_LOCK_KEY = '7391024119';
// Rows commit out of id order (a long transaction commits after later ones): every pass looks this
// far back, a deep pass (every 10 minutes) this much further, and a full sweep (at start, then
// daily) over every row, a range of ids per transaction so that no pass holds the lock for long.
const LOOKBACK_IDS = 5_000;
export const DEEP_LOOKBACK_IDS = 1_000_000;
export const SWEEP_RANGE_IDS = 500_000;
// Rows sealed per transaction. Hashing them runs on the event loop, at roughly 15 µs a row: small
// batches, with database round trips between them, keep each pause short for the requests waiting.
const SEAL_BATCH = 500;

export interface SealResult {
  readonly sealed: number;
  /** Another pass held the sealer lock, so this one looked at nothing. */
  readonly busy?: true;
}

/** Ids of audit rows, as a range: above `after`, and up to `upTo` when given. */
export interface IdRange {
  readonly after: bigint;
  readonly upTo?: bigint;
}

/**
 * Seals a batch of audit rows into the chain, in one transaction holding the sealer lock. A normal
 * pass looks at the ids from LOOKBACK_IDS below the last sealed one; with `ids`, it looks there
 * instead, to find rows that committed long after their id was drawn.
 */
export async function sealPending(
  db: Kysely<Schema>,
  key: AuditKey,
  options: { batch?: number; ids?: IdRange } = {},
): Promise<SealResult> {
  const batch = options.batch ?? SEAL_BATCH;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK_KEY}::bigint) AS locked`.execute(trx);
    if (!rows[0]?.locked) return { sealed: 0, busy: true };
    const head = await trx
      .selectFrom('ward.audit_seals')
      .select(['chain_seq', 'hash', 'event_id'])
      .orderBy('chain_seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let previous: Buffer = head?.hash ?? GENESIS_HASH;
    let seq = BigInt(head?.chain_seq ?? '0');
    const low = options.ids?.after ?? (head ? BigInt(head.event_id) - BigInt(LOOKBACK_IDS) : 0n);
    const upTo = options.ids?.upTo;
    const after = String(low > 0n ? low : 0n);
    // The seals are bounded by the same ids, so that the planner reads only the range's seals, not
    // every seal, to find which of the range's rows have none.
    const pending = await chainEventColumns(trx)
      .where('e.id', '>', after)
      .$if(upTo !== undefined, (qb) => qb.where('e.id', '<=', String(upTo)))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('ward.audit_seals as s')
              .select('s.chain_seq')
              .whereRef('s.event_id', '=', 'e.id')
              .where('s.event_id', '>', after)
              .$if(upTo !== undefined, (qb) => qb.where('s.event_id', '<=', String(upTo))),
          ),
        ),
      )
      .orderBy('e.id')
      .limit(batch)
      .execute();
    if (pending.length === 0) return { sealed: 0 };
    const seals = pending.map((event) => {
      seq += 1n;
      const hash = chainHash(key, previous, seq.toString(), event);
      previous = hash;
      return { chain_seq: seq.toString(), event_id: event.id, hash };
    });
    // As three arrays: a row per parameter set would pass PostgreSQL's 65,535-parameter limit past ~21,000 rows.
    await sql`INSERT INTO ward.audit_seals (chain_seq, event_id, hash)
      SELECT * FROM unnest(${seals.map((s) => s.chain_seq)}::bigint[], ${seals.map((s) => s.event_id)}::bigint[],
                           ${seals.map((s) => s.hash)}::bytea[])`.execute(trx);
    return { sealed: seals.length };
  });
}

/** Seals every row of `ids` not sealed yet, a batch per transaction, waiting its turn for the lock. */
async function sealRange(
  db: Kysely<Schema>,
  key: AuditKey,
  ids: IdRange,
  signal: AbortSignal | undefined,
): Promise<void> {
  while (!signal?.aborted) {
    const { sealed, busy } = await sealPending(db, key, { ids });
    if (busy) await setTimeout(20);
    else if (sealed < SEAL_BATCH) return;
  }
}

/** The highest audit row id, or 0 with none. */
async function highestId(db: Kysely<Schema>): Promise<bigint> {
  const row = await db
    .selectFrom('ward.audit_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return BigInt(row?.id ?? 0);
}

export interface SweepOptions {
  /** Only the ids this far below the newest; all of them when absent. */
  readonly depth?: bigint;
  /** Ids per range, each range sealed in transactions of its own. */
  readonly rangeIds?: bigint;
  /** Stops between ranges once aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Seals the rows a normal pass cannot see: those that committed after more than LOOKBACK_IDS later
 * ones. A range at a time, so that normal passes go on between ranges and none holds the lock long.
 */
export async function sweepLateRows(
  db: Kysely<Schema>,
  key: AuditKey,
  options: SweepOptions = {},
): Promise<void> {
  const top = await highestId(db);
  const range = options.rangeIds ?? BigInt(SWEEP_RANGE_IDS);
  const bottom = options.depth === undefined ? 0n : top - options.depth;
  for (let after = bottom > 0n ? bottom : 0n; after < top; after += range) {
    if (options.signal?.aborted) return;
    await sealRange(db, key, { after, upTo: after + range }, options.signal);
  }
}

export interface Sealer {
  stop(): Promise<void>;
}

/**
 * Seals every `intervalMs`. Between an event's commit and its seal, a deletion would leave no
 * trace: that window is about `intervalMs` for rows that commit in id order, up to `deepEveryMs`
 * for a row that commits after up to DEEP_LOOKBACK_IDS later ones, and up to `fullEveryMs` (a
 * full sweep, also at start) for one later still; `audit-verify` checks the MAC of every row not
 * yet sealed.
 */
export function startSealer(
  db: Kysely<Schema>,
  key: AuditKey,
  log: { warn(message: string): void },
  intervalMs = 1_000,
  deepEveryMs = 10 * 60_000,
  fullEveryMs = 24 * 3600_000,
): Sealer {
  let running: Promise<void> = Promise.resolve();
  let sweeping: Promise<void> | undefined;
  let lastDeep = Date.now();
  let lastFull = 0;
  let stopped = false;
  const stopping = new AbortController();
  const warn = (error: unknown): void => {
    log.warn(`audit sealer: ${error instanceof Error ? error.message : String(error)}`);
  };
  const tick = (): void => {
    if (stopped) return;
    running = (async () => {
      try {
        // Drain: keep sealing while batches come back full.
        for (let i = 0; i < 1_000; i++) {
          const { sealed } = await sealPending(db, key);
          if (sealed < SEAL_BATCH) break;
        }
      } catch (error) {
        warn(error);
      }
    })();
    // Sweeps run beside the passes, one at a time, and may take many ticks on a large trail.
    const now = Date.now();
    const full = now - lastFull >= fullEveryMs;
    if (sweeping === undefined && (full || now - lastDeep >= deepEveryMs)) {
      lastDeep = now;
      if (full) lastFull = now;
      sweeping = sweepLateRows(db, key, {
        ...(full ? {} : { depth: BigInt(DEEP_LOOKBACK_IDS) }),
        signal: stopping.signal,
      })
        .catch(warn)
        .finally(() => {
          sweeping = undefined;
        });
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      stopping.abort();
      clearInterval(timer);
      await running;
      await sweeping;
      // Seal what the last requests wrote before the pool closes.
      await sealPending(db, key).catch(() => undefined);
    },
  };
}

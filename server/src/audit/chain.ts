import { createHmac, KeyObject } from 'node:crypto';
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
// Rows commit out of id order (a long transaction commits after later ones): look this far back.
const LOOKBACK_IDS = 5_000;
// Rows sealed per transaction. Hashing them runs on the event loop, at roughly 15 µs a row: small
// batches, with database round trips between them, keep each pause short for the requests waiting.
const SEAL_BATCH = 500;

export interface SealResult {
  readonly sealed: number;
}

/**
 * Seals audit rows into the chain, in batches, in one transaction holding the sealer lock. Normal
 * passes look only at recent ids; a full pass (`fullSweep`) finds any row that committed long after
 * its id was drawn.
 */
export async function sealPending(
  db: Kysely<Schema>,
  key: AuditKey,
  options: { batch?: number; fullSweep?: boolean } = {},
): Promise<SealResult> {
  const batch = options.batch ?? SEAL_BATCH;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK_KEY}::bigint) AS locked`.execute(trx);
    if (!rows[0]?.locked) return { sealed: 0 };
    const head = await trx
      .selectFrom('ward.audit_seals')
      .select(['chain_seq', 'hash', 'event_id'])
      .orderBy('chain_seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let previous: Buffer = head?.hash ?? GENESIS_HASH;
    let seq = BigInt(head?.chain_seq ?? '0');
    const low = options.fullSweep || !head ? 0n : BigInt(head.event_id) - BigInt(LOOKBACK_IDS);
    const pending = await chainEventColumns(trx)
      .where('e.id', '>', String(low > 0n ? low : 0n))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('ward.audit_seals as s').select('s.chain_seq').whereRef('s.event_id', '=', 'e.id'),
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

export interface Sealer {
  stop(): Promise<void>;
}

/**
 * Seals every `intervalMs` (and does a full sweep every `sweepEveryMs`). Between an event's commit
 * and its seal, a deletion would leave no trace: that window is about `intervalMs`.
 */
export function startSealer(
  db: Kysely<Schema>,
  key: AuditKey,
  log: { warn(message: string): void },
  intervalMs = 1_000,
  sweepEveryMs = 10 * 60_000,
): Sealer {
  let running: Promise<void> = Promise.resolve();
  let lastSweep = Date.now();
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const fullSweep = Date.now() - lastSweep >= sweepEveryMs;
    running = (async () => {
      try {
        // Drain: keep sealing while batches come back full.
        for (let i = 0; i < 1_000; i++) {
          const { sealed } = await sealPending(db, key, { fullSweep: fullSweep && i === 0 });
          if (sealed < SEAL_BATCH) break;
        }
        if (fullSweep) lastSweep = Date.now();
      } catch (error) {
        log.warn(`audit sealer: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      // Seal what the last requests wrote before the pool closes.
      await sealPending(db, key).catch(() => undefined);
    },
  };
}

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { chainLinkText, GENESIS_HASH, OCCURRED_US } from './chain.ts';
import {
  canonicalDetailsFromText,
  macContentWithDetails,
  type AuditKey,
  type StoredEventFields,
} from './log.ts';

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

interface VerificationKey {
  readonly id: string;
  /** Made once from the key, not for every row. */
  readonly key: KeyObject;
}

/**
 * An audit row as the verifier reads it: every column as the text PostgreSQL sends (no parsing
 * into numbers, objects or Buffers only to turn them back into text), `details` as jsonb text.
 */
interface EventText extends Omit<StoredEventFields, 'details'> {
  readonly id: string;
  readonly details: string;
  readonly mac: string;
  readonly occurred_us: string;
}

/** A seal and the row it names. The row's columns are null when that row is gone. */
type SealText = {
  readonly chain_seq: string;
  /** The seal's hash, in hex. */
  readonly hash: string;
} & (EventText | { readonly id: string; readonly mac: null });

/** Compares two strings in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function macValid(
  keys: readonly VerificationKey[],
  event: EventText,
  content: string,
): boolean | 'unknown_key' {
  const dot = event.mac.indexOf('.');
  const key = dot === -1 ? undefined : keys.find((k) => k.id === event.mac.slice(0, dot));
  if (!key) return dot === -1 ? false : 'unknown_key';
  const given = event.mac.slice(dot + 1);
  const expected = createHmac('sha256', key.key).update(content).digest('base64url');
  if (sameText(given, expected)) return true;
  // The same bytes written otherwise in base64 verify too, as they always have.
  const givenBytes = Buffer.from(given, 'base64url');
  const expectedBytes = Buffer.from(expected, 'base64url');
  return givenBytes.length === expectedBytes.length && timingSafeEqual(givenBytes, expectedBytes);
}

// Rows are read through a cursor in pages of this many, the next page while this one is checked.
// Small pages keep few rows alive at once, which keeps the garbage collector's work small.
const PAGE = 1_000;

/**
 * Reads `query` through a cursor of the transaction, a page ahead of `check`, so the database and
 * the hashing work at the same time; memory stays at two pages whatever the trail's length.
 */
async function walk<Row>(
  trx: Transaction<Schema>,
  cursor: string,
  query: RawBuilder<Row>,
  check: (row: Row) => void,
): Promise<void> {
  await sql`DECLARE ${sql.id(cursor)} NO SCROLL CURSOR FOR ${query}`.execute(trx);
  const fetchPage = (): Promise<Row[]> => {
    const page = sql<Row>`FETCH ${sql.lit(PAGE)} FROM ${sql.id(cursor)}`.execute(trx).then((r) => r.rows);
    page.catch(() => undefined);
    return page;
  };
  let next = fetchPage();
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    next = rows.length === PAGE ? fetchPage() : Promise.resolve([]);
    for (const row of rows) check(row);
  }
  await sql`CLOSE ${sql.id(cursor)}`.execute(trx);
}

/** The columns of an audit row (alias `e`) as EventText, but its id. */
const EVENT_TEXT = sql`e.event_id, e.institution_id, e.actor_id, e.actor_username,
  e.action, e.target_type, e.target_id, e.patient_id, e.outcome, e.ip, e.user_agent, e.reason,
  e.details::text AS details, e.mac, ${OCCURRED_US} AS occurred_us`;

/**
 * Walks the whole chain in order and checks every link and every row's MAC; then checks rows not
 * yet sealed. Reports the first row that was changed, deleted or inserted out of band. Both read
 * one snapshot, so a row sealed while the chain is walked is checked once, as not yet sealed.
 */
export async function verifyAuditTrail(
  db: Kysely<Schema>,
  auditKeys: readonly AuditKey[],
): Promise<VerificationReport> {
  const keys = auditKeys.map((k) => ({ id: k.id, key: createSecretKey(Buffer.from(k.key, 'utf8')) }));
  let previous = GENESIS_HASH.toString('hex');
  let expectedSeq = 1n;
  let sealed = 0;
  let unsealed = 0;
  let problems = 0;
  let firstProblem: AuditProblem | undefined;
  const report = (problem: AuditProblem): void => {
    problems++;
    firstProblem ??= problem;
  };

  const checkSeal = (seal: SealText): void => {
    const seq = BigInt(seal.chain_seq);
    if (seq !== expectedSeq) {
      report({
        kind: 'deleted',
        eventId: '?',
        chainSeq: expectedSeq.toString(),
        message: `seals ${expectedSeq} to ${seq - 1n} are missing: their audit rows and seals were deleted`,
      });
    }
    expectedSeq = seq + 1n;
    sealed++;
    // Continue from the stored hash, so one bad row is reported once, not for the rest of the chain.
    const link = previous;
    previous = seal.hash;
    if (seal.mac === null) {
      report({
        kind: 'deleted',
        eventId: seal.id,
        chainSeq: seal.chain_seq,
        message: `audit row ${seal.id} (seal ${seal.chain_seq}) was deleted`,
      });
      return;
    }
    const content = macContentWithDetails(seal, canonicalDetailsFromText(seal.details));
    const linked = chainLinkText(seal.chain_seq, seal.id, seal.occurred_us, content, seal.mac);
    const previousHash = Buffer.from(link, 'hex');
    const linkOf = (key: VerificationKey): string =>
      createHmac('sha256', key.key).update(previousHash).update(linked).digest('hex');
    if (!keys.some((key) => sameText(linkOf(key), seal.hash))) {
      report({
        kind: 'changed',
        eventId: seal.id,
        chainSeq: seal.chain_seq,
        message: `audit row ${seal.id} (seal ${seal.chain_seq}) was changed after it was sealed`,
      });
      return;
    }
    const mac = macValid(keys, seal, content);
    if (mac === false) {
      report({
        kind: 'inserted_out_of_band',
        eventId: seal.id,
        chainSeq: seal.chain_seq,
        message: `audit row ${seal.id} was not written by Ward (its MAC does not verify)`,
      });
    } else if (mac === 'unknown_key') {
      report({
        kind: 'unverifiable_key',
        eventId: seal.id,
        chainSeq: seal.chain_seq,
        message: `audit row ${seal.id} carries a MAC under a key this configuration does not hold (set token.secret.previous)`,
      });
    }
  };

  const checkUnsealed = (event: EventText): void => {
    unsealed++;
    const content = macContentWithDetails(event, canonicalDetailsFromText(event.details));
    if (macValid(keys, event, content) === false) {
      report({
        kind: 'inserted_out_of_band',
        eventId: event.id,
        chainSeq: null,
        message: `audit row ${event.id} (not yet sealed) was not written by Ward (its MAC does not verify)`,
      });
    }
  };

  await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      // Compiling these plans to machine code takes longer than it saves (~80 ms each on 1M rows).
      await sql`SET LOCAL jit = off`.execute(trx);
      // The seal's event_id is the row's id: it names the row even when the row is gone (mac null).
      await walk(
        trx,
        'audit_chain',
        sql<SealText>`SELECT s.chain_seq::text AS chain_seq, encode(s.hash, 'hex') AS hash,
            s.event_id::text AS id, ${EVENT_TEXT}
          FROM ward.audit_seals s LEFT JOIN ward.audit_events e ON e.id = s.event_id
          ORDER BY s.chain_seq`,
        checkSeal,
      );
      await walk(
        trx,
        'audit_unsealed',
        sql<EventText>`SELECT e.id::text AS id, ${EVENT_TEXT} FROM ward.audit_events e
          WHERE NOT EXISTS (SELECT FROM ward.audit_seals s WHERE s.event_id = e.id)
          ORDER BY e.id`,
        checkUnsealed,
      );
    });
  return {
    sealed,
    unsealed,
    headHash: previous,
    headSeq: (expectedSeq - 1n).toString(),
    firstProblem,
    problems,
  };
}

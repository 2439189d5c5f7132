import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { chainLinkText, GENESIS_HASH, OCCURRED_US_SQL } from './chain.ts';
import {
  canonicalDetailsFromText,
  macContentWithDetails,
  type AuditKey,
  type StoredEventFields,
} from './log.ts';
import type { AuditProblem } from './verify.ts';

// The row checks of `audit-verify`, for one range of the chain or for the rows not yet sealed. They
// run in worker threads (verify-worker.ts) or in the calling thread; both read the same snapshot.

export interface VerificationKey {
  readonly id: string;
  /** Made once from the key, not for every row. */
  readonly key: KeyObject;
}

export function verificationKeys(auditKeys: readonly AuditKey[]): VerificationKey[] {
  return auditKeys.map((k) => ({ id: k.id, key: createSecretKey(Buffer.from(k.key, 'utf8')) }));
}

/** What a range or the unsealed rows came to: their problems in chain (or id) order, counted. */
export interface RowsReport {
  readonly rows: number;
  readonly problems: number;
  readonly firstProblem: AuditProblem | undefined;
}

/** A range of chain_seq values, bounds as decimal text: from `from` (inclusive) to `to` (exclusive). */
export interface SealRange {
  readonly from: string;
  readonly to: string;
}

/**
 * An audit row as the verifier reads it: every column as the text PostgreSQL sends (no parsing
 * into numbers, objects or Buffers only to turn them back into text). `details` is jsonb text, or
 * null when it is `{}`, as most rows' details are.
 */
interface EventText extends Omit<StoredEventFields, 'details'> {
  readonly id: string;
  readonly details: string | null;
  readonly mac: string;
  readonly occurred_us: string;
}

/** A seal and the row it names. The row's columns are null when that row is gone. */
type SealText = {
  readonly chain_seq: string;
  /** The seal's hash, in hex. */
  readonly hash: string;
} & (EventText | { readonly id: string; readonly mac: null });

/**
 * The MAC is `keyId.base64url(HMAC)`. It verifies when its bytes are the HMAC's, whichever way the
 * base64 was written; compared in constant time.
 */
function macValid(
  keys: readonly VerificationKey[],
  event: EventText,
  content: string,
): boolean | 'unknown_key' {
  const dot = event.mac.indexOf('.');
  const key = dot === -1 ? undefined : keys.find((k) => k.id === event.mac.slice(0, dot));
  if (!key) return dot === -1 ? false : 'unknown_key';
  const given = Buffer.from(event.mac.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', key.key).update(content).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function contentOf(event: EventText): string {
  return macContentWithDetails(
    event,
    event.details === null ? '{}' : canonicalDetailsFromText(event.details),
  );
}

// Rows are read through a cursor in pages of this many, the next page while this one is checked.
// Small pages keep few rows alive at once, which keeps the garbage collector's work small.
const PAGE = 1_000;

/**
 * Reads `text` through a cursor of the client's transaction, a page ahead of `check`, so the
 * database and the hashing work at the same time; memory stays at two pages whatever the length.
 */
async function walk(
  client: pg.ClientBase,
  cursor: string,
  text: string,
  values: readonly unknown[],
  check: (row: pg.QueryResultRow) => void,
): Promise<void> {
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`, [...values]);
  const fetchPage = (): Promise<pg.QueryResultRow[]> => {
    const page = client.query<pg.QueryResultRow>(`FETCH ${PAGE} FROM ${cursor}`).then((r) => r.rows);
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
  await client.query(`CLOSE ${cursor}`);
}

/** The columns of an audit row (alias `e`) as EventText, but its id. */
const EVENT_TEXT = `e.event_id, e.institution_id, e.actor_id, e.actor_username, e.action, e.target_type,
  e.target_id, e.patient_id, e.outcome, e.ip, e.user_agent, e.reason,
  CASE WHEN e.details = '{}' THEN NULL ELSE e.details::text END AS details, e.mac,
  ${OCCURRED_US_SQL} AS occurred_us`;

/**
 * Checks every link and every row's MAC of the seals in `range`, continuing from the last seal
 * before it: exactly what a walk of the whole chain reports for the seals of this range.
 */
export async function checkSealRange(
  client: pg.ClientBase,
  keys: readonly VerificationKey[],
  range: SealRange,
): Promise<RowsReport> {
  const before = await client.query<{ chain_seq: string; hash: Buffer }>(
    `SELECT s.chain_seq::text AS chain_seq, s.hash FROM ward.audit_seals s WHERE s.chain_seq < $1
      ORDER BY s.chain_seq DESC LIMIT 1`,
    [range.from],
  );
  let previous: Buffer = before.rows[0]?.hash ?? GENESIS_HASH;
  let expectedSeq = BigInt(before.rows[0]?.chain_seq ?? '0') + 1n;
  let rows = 0;
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
    rows++;
    // Continue from the stored hash, so one bad row is reported once, not for the rest of the chain.
    const link = previous;
    const stored = Buffer.from(seal.hash, 'hex');
    previous = stored;
    if (seal.mac === null) {
      report({
        kind: 'deleted',
        eventId: seal.id,
        chainSeq: seal.chain_seq,
        message: `audit row ${seal.id} (seal ${seal.chain_seq}) was deleted`,
      });
      return;
    }
    const content = contentOf(seal);
    const linked = chainLinkText(seal.chain_seq, seal.id, seal.occurred_us, content, seal.mac);
    const linkValid = (key: VerificationKey): boolean => {
      const computed = createHmac('sha256', key.key).update(link).update(linked).digest();
      return computed.length === stored.length && timingSafeEqual(computed, stored);
    };
    if (!keys.some(linkValid)) {
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

  // The seal's event_id is the row's id: it names the row even when the row is gone (mac null).
  await walk(
    client,
    'audit_chain',
    `SELECT s.chain_seq::text AS chain_seq, encode(s.hash, 'hex') AS hash, s.event_id::text AS id, ${EVENT_TEXT}
      FROM ward.audit_seals s LEFT JOIN ward.audit_events e ON e.id = s.event_id
      WHERE s.chain_seq >= $1 AND s.chain_seq < $2
      ORDER BY s.chain_seq`,
    [range.from, range.to],
    (row) => {
      checkSeal(row as SealText);
    },
  );
  return { rows, problems, firstProblem };
}

/** Checks the MAC of every audit row that no seal names yet, in id order. */
export async function checkUnsealedRows(
  client: pg.ClientBase,
  keys: readonly VerificationKey[],
): Promise<RowsReport> {
  let rows = 0;
  let problems = 0;
  let firstProblem: AuditProblem | undefined;
  await walk(
    client,
    'audit_unsealed',
    `SELECT e.id::text AS id, ${EVENT_TEXT} FROM ward.audit_events e
      WHERE NOT EXISTS (SELECT FROM ward.audit_seals s WHERE s.event_id = e.id)
      ORDER BY e.id`,
    [],
    (row) => {
      const event = row as EventText;
      rows++;
      if (macValid(keys, event, contentOf(event)) === false) {
        problems++;
        firstProblem ??= {
          kind: 'inserted_out_of_band',
          eventId: event.id,
          chainSeq: null,
          message: `audit row ${event.id} (not yet sealed) was not written by Ward (its MAC does not verify)`,
        };
      }
    },
  );
  return { rows, problems, firstProblem };
}

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import {
  CHAIN_EVENT_COLUMNS,
  chainEventColumns,
  chainHash,
  GENESIS_HASH,
  OCCURRED_US,
  type ChainEvent,
} from './chain.ts';
import { macContent, type AuditKey } from './log.ts';

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
  /** The key as a KeyObject: made once, not from the string for every row. */
  readonly secret: KeyObject;
}

function macValid(
  keys: readonly VerificationKey[],
  event: ChainEvent,
  content: string,
): boolean | 'unknown_key' {
  const dot = event.mac.indexOf('.');
  const key = dot === -1 ? undefined : keys.find((k) => k.id === event.mac.slice(0, dot));
  if (!key) return dot === -1 ? false : 'unknown_key';
  const expected = createHmac('sha256', key.secret).update(content).digest();
  const given = Buffer.from(event.mac.slice(dot + 1), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// Seals and their rows are read in pages of this many, the next page while this one is checked.
const BATCH = 10_000;

interface SealedRow extends Omit<ChainEvent, 'id'> {
  readonly chain_seq: string;
  readonly seal_event_id: string;
  readonly hash: Buffer;
  /** The audit row's id, or null when the row the seal names is gone. */
  readonly id: string | null;
}

function sealedPage(db: Kysely<Schema>, after: string): Promise<SealedRow[]> {
  return db
    .selectFrom('ward.audit_seals as s')
    .leftJoin('ward.audit_events as e', 'e.id', 's.event_id')
    .select([
      's.chain_seq',
      's.event_id as seal_event_id',
      's.hash',
      ...CHAIN_EVENT_COLUMNS,
      OCCURRED_US.as('occurred_us'),
    ])
    .where('s.chain_seq', '>', after)
    .orderBy('s.chain_seq')
    .limit(BATCH)
    .execute() as Promise<SealedRow[]>;
}

/**
 * Walks the whole chain in order and checks every link and every row's MAC; then checks rows not
 * yet sealed. Reports the first row that was changed, deleted or inserted out of band.
 */
export async function verifyAuditTrail(
  db: Kysely<Schema>,
  auditKeys: readonly AuditKey[],
): Promise<VerificationReport> {
  const keys = auditKeys.map((k) => ({ id: k.id, secret: createSecretKey(Buffer.from(k.key, 'utf8')) }));
  let previous: Buffer = GENESIS_HASH;
  let expectedSeq = 1n;
  let sealed = 0;
  let problems = 0;
  let firstProblem: AuditProblem | undefined;
  const report = (problem: AuditProblem): void => {
    problems++;
    firstProblem ??= problem;
  };
  // Reading the next page overlaps checking this one (the database and the hashing both work).
  const prefetch = (after: string): Promise<SealedRow[]> => {
    const page = sealedPage(db, after);
    page.catch(() => undefined);
    return page;
  };
  let next = prefetch('0');
  for (;;) {
    const seals = await next;
    if (seals.length === 0) break;
    const last = seals[seals.length - 1]?.chain_seq ?? '0';
    next = seals.length === BATCH ? prefetch(last) : Promise.resolve([]);
    for (const seal of seals) {
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
      if (seal.id === null) {
        report({
          kind: 'deleted',
          eventId: seal.seal_event_id,
          chainSeq: seal.chain_seq,
          message: `audit row ${seal.seal_event_id} (seal ${seal.chain_seq}) was deleted`,
        });
        previous = seal.hash;
        continue;
      }
      const event = seal as SealedRow & { id: string };
      const content = macContent(event);
      const linked = keys.some((key) =>
        chainHash(key.secret, previous, seal.chain_seq, event, content).equals(seal.hash),
      );
      if (!linked) {
        report({
          kind: 'changed',
          eventId: event.id,
          chainSeq: seal.chain_seq,
          message: `audit row ${event.id} (seal ${seal.chain_seq}) was changed after it was sealed`,
        });
      } else {
        const mac = macValid(keys, event, content);
        if (mac === false) {
          report({
            kind: 'inserted_out_of_band',
            eventId: event.id,
            chainSeq: seal.chain_seq,
            message: `audit row ${event.id} was not written by Ward (its MAC does not verify)`,
          });
        } else if (mac === 'unknown_key') {
          report({
            kind: 'unverifiable_key',
            eventId: event.id,
            chainSeq: seal.chain_seq,
            message: `audit row ${event.id} carries a MAC under a key this configuration does not hold (set token.secret.previous)`,
          });
        }
      }
      // Continue from the stored hash, so one bad row is reported once, not for the rest of the chain.
      previous = seal.hash;
    }
  }

  const unsealedRows = await chainEventColumns(db)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('ward.audit_seals as s').select('s.chain_seq').whereRef('s.event_id', '=', 'e.id'),
        ),
      ),
    )
    .orderBy('e.id')
    .execute();
  for (const event of unsealedRows) {
    if (macValid(keys, event, macContent(event)) === false) {
      report({
        kind: 'inserted_out_of_band',
        eventId: event.id,
        chainSeq: null,
        message: `audit row ${event.id} (not yet sealed) was not written by Ward (its MAC does not verify)`,
      });
    }
  }
  return {
    sealed,
    unsealed: unsealedRows.length,
    headHash: previous.toString('hex'),
    headSeq: (expectedSeq - 1n).toString(),
    firstProblem,
    problems,
  };
}

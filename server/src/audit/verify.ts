import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { chainEventColumns, chainHash, GENESIS_HASH, type ChainEvent } from './chain.ts';
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

function macValid(keys: readonly AuditKey[], event: ChainEvent): boolean | 'unknown_key' {
  const [keyId, mac] = event.mac.split('.');
  const key = keys.find((k) => k.id === keyId);
  if (!key || mac === undefined) return key ? false : 'unknown_key';
  const expected = createHmac('sha256', key.key).update(macContent(event)).digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const BATCH = 20_000;

/**
 * Walks the whole chain in order and checks every link and every row's MAC; then checks rows not
 * yet sealed. Reports the first row that was changed, deleted or inserted out of band.
 */
export async function verifyAuditTrail(
  db: Kysely<Schema>,
  keys: readonly AuditKey[],
): Promise<VerificationReport> {
  let previous: Buffer = GENESIS_HASH;
  let expectedSeq = 1n;
  let sealed = 0;
  let problems = 0;
  let firstProblem: AuditProblem | undefined;
  const report = (problem: AuditProblem): void => {
    problems++;
    firstProblem ??= problem;
  };
  let after = '0';
  for (;;) {
    const seals = await db
      .selectFrom('ward.audit_seals')
      .select(['chain_seq', 'event_id', 'hash'])
      .where('chain_seq', '>', after)
      .orderBy('chain_seq')
      .limit(BATCH)
      .execute();
    if (seals.length === 0) break;
    const ids = seals.map((s) => s.event_id);
    const events = await chainEventColumns(db).where('e.id', 'in', ids).execute();
    const byId = new Map(events.map((e) => [e.id, e]));
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
      const event = byId.get(seal.event_id);
      if (!event) {
        report({
          kind: 'deleted',
          eventId: seal.event_id,
          chainSeq: seal.chain_seq,
          message: `audit row ${seal.event_id} (seal ${seal.chain_seq}) was deleted`,
        });
        previous = seal.hash;
        continue;
      }
      const linked = keys.some((key) => chainHash(key, previous, seal.chain_seq, event).equals(seal.hash));
      if (!linked) {
        report({
          kind: 'changed',
          eventId: event.id,
          chainSeq: seal.chain_seq,
          message: `audit row ${event.id} (seal ${seal.chain_seq}) was changed after it was sealed`,
        });
      } else {
        const mac = macValid(keys, event);
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
    after = seals[seals.length - 1]?.chain_seq ?? after;
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
    if (macValid(keys, event) === false) {
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

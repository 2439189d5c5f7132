import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';

export interface LastAccess {
  readonly at: Date;
  readonly ip: string;
  readonly userAgent: string;
}

export interface AccessSummary {
  /** The successful sign-in before the current one, or null on a first sign-in. */
  readonly previous: LastAccess | null;
  /** Failed attempts on this username since that previous sign-in. */
  readonly failedSince: number;
}

/**
 * "When you log in, check when was your last access": the sign-in before the one that started
 * `sessionCreatedAt`, and how many failures there were since it, including attempts refused while
 * the account was locked.
 */
export async function lastAccessOf(
  db: Kysely<Schema>,
  user: { id: string; username: string },
  sessionCreatedAt: Date,
): Promise<AccessSummary> {
  const previous = await db
    .selectFrom('ward.sign_in_attempts')
    .select(['at', 'ip', 'user_agent'])
    .where('user_id', '=', user.id)
    .where('outcome', '=', 'success')
    // The current sign-in was recorded in the transaction that created the session: same now().
    .where('at', '<', sessionCreatedAt)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  let failures = db
    .selectFrom('ward.sign_in_attempts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('username', '=', user.username)
    .where('outcome', '<>', 'success');
  if (previous) failures = failures.where('at', '>', previous.at);
  const { n } = await failures.executeTakeFirstOrThrow();
  return {
    previous: previous ? { at: previous.at, ip: previous.ip, userAgent: previous.user_agent } : null,
    failedSince: Number(n),
  };
}

export interface SignInRecord {
  readonly at: Date;
  readonly ip: string;
  readonly userAgent: string;
  readonly outcome: string;
}

/** The user's sign-in history, newest first, failures included. */
export async function signInHistory(
  db: Kysely<Schema>,
  username: string,
  limit = 50,
): Promise<SignInRecord[]> {
  const rows = await db
    .selectFrom('ward.sign_in_attempts')
    .select(['at', 'ip', 'user_agent', 'outcome'])
    .where('username', '=', username)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ at: r.at, ip: r.ip, userAgent: r.user_agent, outcome: r.outcome }));
}

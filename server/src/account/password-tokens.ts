import { createHash, randomBytes } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';

export const PASSWORD_TOKEN_HOURS = 24;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Whether a token row is a live link: unused, unexpired, and its account not disabled (a disabled
 * account's password is not for whoever holds a link to choose). Peeking and redeeming use this alike.
 */
function isLive(eb: ExpressionBuilder<Schema, 'ward.password_tokens'>) {
  return eb.and([
    eb('used_at', 'is', null),
    eb('expires_at', '>', sql<Date>`now()`),
    eb.not(
      eb.exists(
        eb
          .selectFrom('ward.users as u')
          .select(sql`1`.as('one'))
          .whereRef('u.id', '=', 'ward.password_tokens.user_id')
          .where('u.disabled_at', 'is not', null),
      ),
    ),
  ]);
}

/**
 * Ends every unused set-password or reset link of the user: a new link replaces them, and a
 * password the person chose themselves makes them void (whoever held one must not reset it after).
 */
export async function voidPasswordTokens(db: Kysely<Schema>, userId: string): Promise<void> {
  await db
    .updateTable('ward.password_tokens')
    .set({ used_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Issues a one-time token for the set-password or reset link. Only its SHA-256 is stored, so a
 * copy of the database gives no usable link; earlier unused tokens of the user stop working.
 */
export async function issuePasswordToken(
  db: Kysely<Schema>,
  userId: string,
  purpose: 'set' | 'reset',
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.transaction().execute(async (trx) => {
    await voidPasswordTokens(trx, userId);
    await trx
      .insertInto('ward.password_tokens')
      .values({
        token_hash: hashToken(token),
        user_id: userId,
        purpose,
        expires_at: sql<Date>`now() + make_interval(hours => ${PASSWORD_TOKEN_HOURS})`,
      })
      .execute();
  });
  return token;
}

/** Marks a token used and returns its user, or undefined when it is not a live link. */
export async function consumePasswordToken(
  db: Kysely<Schema>,
  token: string,
): Promise<{ userId: string; purpose: 'set' | 'reset' } | undefined> {
  const row = await db
    .updateTable('ward.password_tokens')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', hashToken(token))
    .where(isLive)
    .returning(['user_id', 'purpose'])
    .executeTakeFirst();
  return row && { userId: row.user_id, purpose: row.purpose };
}

/** The link a person opens to set or reset their password. */
export function passwordLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/set-password#token=${token}`;
}

/** The user a live token belongs to, without using it up (to check the new password first). */
export async function peekPasswordToken(db: Kysely<Schema>, token: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('ward.password_tokens')
    .select('user_id')
    .where('token_hash', '=', hashToken(token))
    .where(isLive)
    .executeTakeFirst();
  return row?.user_id;
}

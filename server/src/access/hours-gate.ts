import type { Kysely } from 'kysely';
import type { SessionMembership } from '../auth/sessions/service.ts';
import type { Schema } from '../db/schema.ts';
import { accessEndsAt, isAllowedAt, type AccessHours } from './hours.ts';

export interface MembershipHours {
  readonly institutionId: string;
  readonly institutionName: string;
  readonly timeZone: string;
  readonly hours: AccessHours;
}

/** Access hours of each of the user's active memberships, with the institution's time zone. */
export async function hoursOfUser(db: Kysely<Schema>, userId: string): Promise<MembershipHours[]> {
  const rows = await db
    .selectFrom('ward.memberships as m')
    .innerJoin('ward.institutions as i', 'i.id', 'm.institution_id')
    .select(['m.institution_id', 'i.name', 'i.time_zone', 'm.access_hours'])
    .where('m.user_id', '=', userId)
    .where('m.disabled_at', 'is', null)
    .execute();
  return rows.map((r) => ({
    institutionId: r.institution_id,
    institutionName: r.name,
    timeZone: r.time_zone,
    hours: r.access_hours as AccessHours,
  }));
}

/** The same, from a membership the session check read with the session. */
export function hoursOfMembership(membership: SessionMembership): MembershipHours {
  return {
    institutionId: membership.institutionId,
    institutionName: membership.institutionName,
    timeZone: membership.timeZone,
    hours: membership.accessHours as AccessHours,
  };
}

export interface HoursVerdict {
  /** Whether at least one membership allows access now (no memberships: the system level, always). */
  readonly allowed: boolean;
  /**
   * When access ends (the first minute no membership allows), if within a day: the UI warns ten
   * minutes before. A window of another membership that opens before this one closes extends it.
   */
  readonly closesAt: Date | undefined;
}

/**
 * The access-hours decision for a user at `now`: a user may use Ward while any of their
 * memberships allows it. Per-institution routes check that institution's own window too.
 */
export function judgeHours(memberships: readonly MembershipHours[], now: Date): HoursVerdict {
  if (memberships.length === 0) return { allowed: true, closesAt: undefined };
  const allowed = memberships.some((m) => isAllowedAt(m.hours, m.timeZone, now));
  if (!allowed) return { allowed: false, closesAt: undefined };
  let closesAt: { at: Date | undefined } | undefined;
  return {
    allowed,
    // Worked out only when asked: the session check on every request needs just `allowed`.
    get closesAt(): Date | undefined {
      closesAt ??= { at: accessEndsAt(memberships, now) };
      return closesAt.at;
    },
  };
}

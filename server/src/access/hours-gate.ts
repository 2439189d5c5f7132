import type { SessionMembership } from '../auth/sessions/service.ts';
import type { Membership } from '../identity/store.ts';
import { accessEndsAt, isAllowedAt, type AccessHours } from './hours.ts';

export interface MembershipHours {
  readonly institutionId: string;
  readonly institutionName: string;
  readonly timeZone: string;
  readonly hours: AccessHours;
}

/**
 * Access hours of a membership with its institution's time zone: one the session check read with
 * the session, or one sign-in read with the user.
 */
export function hoursOfMembership(
  membership: Pick<
    SessionMembership | Membership,
    'institutionId' | 'institutionName' | 'timeZone' | 'accessHours'
  >,
): MembershipHours {
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

/**
 * Access hours: when a member may use Ward, as weekly windows in the institution's time zone
 * ("allowed only within these hours" or "only outside them"). Local wall-clock time is read through
 * Intl, so daylight-saving changes need no special handling: 08:00 is 08:00 on both sides of one.
 */

export interface AccessWindow {
  /** ISO weekdays the window starts on: 1 = Monday … 7 = Sunday. */
  readonly days: readonly number[];
  /** "HH:MM", local time. */
  readonly start: string;
  /** "HH:MM"; at or before `start` means the window ends the next day (crosses midnight). */
  readonly end: string;
}

export type AccessHours =
  | { readonly mode: 'always' }
  | { readonly mode: 'within' | 'outside'; readonly windows: readonly AccessWindow[] };

export const ALWAYS: AccessHours = { mode: 'always' };

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Weekday (1–7) and minute of the day at `instant` in `timeZone`. */
export function localTime(instant: Date, timeZone: string): { weekday: number; minute: number } {
  let weekday = 1;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 1;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute };
}

export function minuteOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** A window ready to test minute after minute: bounds in minutes, one flag per ISO weekday. */
interface CompiledWindow {
  readonly start: number;
  readonly end: number;
  readonly onDay: readonly boolean[];
}

type LocalRule = (weekday: number, minute: number) => boolean;

function inWindow(window: CompiledWindow, weekday: number, minute: number): boolean {
  const { start, end, onDay } = window;
  if (start < end) return onDay[weekday] === true && minute >= start && minute < end;
  // Crosses midnight: the evening part on its own day, the early part on the next day.
  const previous = weekday === 1 ? 7 : weekday - 1;
  return (onDay[weekday] === true && minute >= start) || (onDay[previous] === true && minute < end);
}

/** The hours as a test of local weekday and minute, with every "HH:MM" parsed once. */
function localRule(hours: AccessHours): LocalRule {
  if (hours.mode === 'always') return () => true;
  const windows: CompiledWindow[] = hours.windows.map((w) => ({
    start: minuteOf(w.start),
    end: minuteOf(w.end),
    onDay: Array.from({ length: 8 }, (_, day) => w.days.includes(day)),
  }));
  const within = hours.mode === 'within';
  return (weekday, minute) => windows.some((w) => inWindow(w, weekday, minute)) === within;
}

/** Whether access is allowed at `instant` for these hours in the institution's time zone. */
export function isAllowedAt(hours: AccessHours, timeZone: string, instant: Date): boolean {
  if (hours.mode === 'always') return true;
  const { weekday, minute } = localTime(instant, timeZone);
  return localRule(hours)(weekday, minute);
}

const MINUTES_PER_DAY = 24 * 60;

/** ISO weekday (1–7) and minute of the day of a count of minutes since 1970-01-01 00:00 (a Thursday). */
function weekdayAndMinute(minutes: number): { weekday: number; minute: number } {
  const days = Math.floor(minutes / MINUTES_PER_DAY);
  return { weekday: ((((days + 3) % 7) + 7) % 7) + 1, minute: minutes - days * MINUTES_PER_DAY };
}

/** The zone's offset from UTC, in minutes, at the start of a minute counted since the epoch. */
function offsetAt(epochMinute: number, timeZone: string): number {
  const local = localTime(new Date(epochMinute * 60_000), timeZone);
  const utc = weekdayAndMinute(epochMinute);
  // Offsets stay within ±1 day, so the weekday difference says which side of midnight local time is.
  const dayShift = ((local.weekday - utc.weekday + 10) % 7) - 3;
  return dayShift * MINUTES_PER_DAY + local.minute - utc.minute;
}

/**
 * The zone's offset for every minute from `first` to `last`, as stretches of one offset: asking Intl
 * for every minute costs tens of milliseconds a day, so it is asked at the ends of each day and the
 * minute a daylight-saving change happens is found by bisection.
 */
function offsetStretches(
  first: number,
  last: number,
  timeZone: string,
): { from: number; to: number; offset: number }[] {
  const stretches: { from: number; to: number; offset: number }[] = [];
  let from = first;
  let offset = offsetAt(from, timeZone);
  while (from <= last) {
    const dayEnd = Math.min(last, from + MINUTES_PER_DAY - 1);
    if (offsetAt(dayEnd, timeZone) === offset) {
      const previous = stretches[stretches.length - 1];
      if (previous?.offset === offset) previous.to = dayEnd;
      else stretches.push({ from, to: dayEnd, offset });
      from = dayEnd + 1;
      continue;
    }
    let same = from;
    let changed = dayEnd;
    while (changed - same > 1) {
      const middle = Math.floor((same + changed) / 2);
      if (offsetAt(middle, timeZone) === offset) same = middle;
      else changed = middle;
    }
    const previous = stretches[stretches.length - 1];
    if (previous?.offset === offset) previous.to = same;
    else stretches.push({ from, to: same, offset });
    from = changed;
    offset = offsetAt(changed, timeZone);
  }
  return stretches;
}

/** Access rules of one membership: its hours in its institution's time zone. */
export interface ZonedHours {
  readonly hours: AccessHours;
  readonly timeZone: string;
}

/**
 * When access ends for someone allowed while any of `rules` allows (the first minute at which none
 * does), if that is within `horizonMinutes`; undefined when access is not allowed at `instant`, never
 * ends, or ends later.
 */
export function accessEndsAt(
  rules: readonly ZonedHours[],
  instant: Date,
  horizonMinutes = MINUTES_PER_DAY,
): Date | undefined {
  if (rules.length === 0 || rules.some((r) => r.hours.mode === 'always')) return undefined;
  if (!rules.some((r) => isAllowedAt(r.hours, r.timeZone, instant))) return undefined;
  const now = Math.floor(instant.getTime() / 60_000);
  const first = now + 1;
  const last = now + horizonMinutes;
  const zones = rules.map((r) => ({
    allowed: localRule(r.hours),
    stretches: offsetStretches(first, last, r.timeZone),
    at: 0,
  }));
  for (let minute = first; minute <= last; minute++) {
    const allowed = zones.some((zone) => {
      let stretch = zone.stretches[zone.at];
      while (stretch && stretch.to < minute) stretch = zone.stretches[++zone.at];
      const local = weekdayAndMinute(minute + (stretch?.offset ?? 0));
      return zone.allowed(local.weekday, local.minute);
    });
    if (!allowed) return new Date(minute * 60_000);
  }
  return undefined;
}

/**
 * When an allowed period ends, if it ends within `horizonMinutes` (the UI warns ten minutes ahead);
 * undefined when access is not allowed now, never ends, or ends later.
 */
export function allowedUntil(
  hours: AccessHours,
  timeZone: string,
  instant: Date,
  horizonMinutes = MINUTES_PER_DAY,
): Date | undefined {
  return accessEndsAt([{ hours, timeZone }], instant, horizonMinutes);
}

/** Problems with submitted hours, for a 400 answer; empty when they are usable. */
export function accessHoursProblems(hours: unknown): string[] {
  if (typeof hours !== 'object' || hours === null) return ['accessHours must be an object'];
  const h = hours as { mode?: unknown; windows?: unknown };
  if (h.mode === 'always') return [];
  if (h.mode !== 'within' && h.mode !== 'outside')
    return ['accessHours.mode must be always, within or outside'];
  if (!Array.isArray(h.windows) || h.windows.length === 0 || h.windows.length > 14) {
    return ['accessHours.windows must list 1 to 14 windows'];
  }
  const problems: string[] = [];
  h.windows.forEach((w: unknown, i) => {
    if (typeof w !== 'object' || w === null) {
      problems.push(`window ${i + 1}: must be an object with days, start and end`);
      return;
    }
    const win = w as { days?: unknown; start?: unknown; end?: unknown };
    const time = /^([01]\d|2[0-3]):[0-5]\d$/;
    if (
      !Array.isArray(win.days) ||
      win.days.length === 0 ||
      !win.days.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7)
    ) {
      problems.push(`window ${i + 1}: days must be weekdays 1 (Monday) to 7 (Sunday)`);
    }
    if (
      typeof win.start !== 'string' ||
      !time.test(win.start) ||
      typeof win.end !== 'string' ||
      !time.test(win.end)
    ) {
      problems.push(`window ${i + 1}: start and end must be HH:MM (00:00 to 23:59)`);
    } else if (win.start === win.end) {
      problems.push(`window ${i + 1}: start and end must differ`);
    }
  });
  return problems;
}

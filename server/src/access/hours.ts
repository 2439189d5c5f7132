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

function inWindow(window: AccessWindow, weekday: number, minute: number): boolean {
  const start = minuteOf(window.start);
  const end = minuteOf(window.end);
  if (start < end) return window.days.includes(weekday) && minute >= start && minute < end;
  // Crosses midnight: the evening part on its own day, the early part on the next day.
  const previous = weekday === 1 ? 7 : weekday - 1;
  return (
    (window.days.includes(weekday) && minute >= start) || (window.days.includes(previous) && minute < end)
  );
}

/** Whether access is allowed at `instant` for these hours in the institution's time zone. */
export function isAllowedAt(hours: AccessHours, timeZone: string, instant: Date): boolean {
  if (hours.mode === 'always') return true;
  const { weekday, minute } = localTime(instant, timeZone);
  const inside = hours.windows.some((w) => inWindow(w, weekday, minute));
  return hours.mode === 'within' ? inside : !inside;
}

/**
 * When an allowed period ends, if it ends within `horizonMinutes` (the UI warns ten minutes ahead);
 * undefined when access is not allowed now, never ends, or ends later.
 */
export function allowedUntil(
  hours: AccessHours,
  timeZone: string,
  instant: Date,
  horizonMinutes = 24 * 60,
): Date | undefined {
  if (hours.mode === 'always' || !isAllowedAt(hours, timeZone, instant)) return undefined;
  const startOfMinute = Math.floor(instant.getTime() / 60_000) * 60_000;
  for (let i = 1; i <= horizonMinutes; i++) {
    const candidate = new Date(startOfMinute + i * 60_000);
    if (!isAllowedAt(hours, timeZone, candidate)) return candidate;
  }
  return undefined;
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

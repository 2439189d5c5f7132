// Access hours as the editor holds them, and the checks the server makes, run first so the
// administrator sees a problem next to the window that has it.
import type { AccessHours, AccessHoursMode, AccessWindow } from './types.ts';

/** The most windows the server accepts. */
export const MAX_WINDOWS = 14;

/** What the editor keeps while the administrator works: the windows survive switching to "always". */
export interface AccessHoursDraft {
  mode: AccessHoursMode;
  windows: AccessWindow[];
}

/** A working week's day shift: a sensible first window to adjust. */
export function newWindow(): AccessWindow {
  return { days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' };
}

export function draftOf(hours: AccessHours): AccessHoursDraft {
  return hours.mode === 'always'
    ? { mode: 'always', windows: [newWindow()] }
    : { mode: hours.mode, windows: hours.windows.map((w) => ({ ...w, days: [...w.days] })) };
}

export function hoursOf(draft: AccessHoursDraft): AccessHours {
  if (draft.mode === 'always') return { mode: 'always' };
  return {
    mode: draft.mode,
    windows: draft.windows.map((w) => ({
      days: [...w.days].sort((a, b) => a - b),
      start: w.start,
      end: w.end,
    })),
  };
}

/** A window whose end is at or before its start runs past midnight into the next day. */
export function crossesMidnight(window: AccessWindow): boolean {
  return window.end <= window.start;
}

export type WindowProblem = 'noDays' | 'badTime' | 'sameTimes';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What is wrong with a window, as the server would refuse it; none for a window it accepts. */
export function windowProblems(window: AccessWindow): WindowProblem[] {
  const problems: WindowProblem[] = [];
  if (window.days.length === 0) problems.push('noDays');
  if (!TIME.test(window.start) || !TIME.test(window.end)) problems.push('badTime');
  else if (window.start === window.end) problems.push('sameTimes');
  return problems;
}

export function draftIsValid(draft: AccessHoursDraft): boolean {
  if (draft.mode === 'always') return true;
  return (
    draft.windows.length > 0 &&
    draft.windows.length <= MAX_WINDOWS &&
    draft.windows.every((w) => windowProblems(w).length === 0)
  );
}

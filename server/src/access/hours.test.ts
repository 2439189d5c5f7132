import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  accessEndsAt,
  accessHoursProblems,
  allowedUntil,
  isAllowedAt,
  type AccessHours,
  type AccessWindow,
} from './hours.ts';
import { judgeHours, type MembershipHours } from './hours-gate.ts';

// Access hours as an administrator sets them and a clock meets them: weekly windows in the
// institution's own time zone, read on the local wall clock (so 08:00 stays 08:00 when daylight
// saving changes), windows across midnight, several institutions at once, and the warning of when
// access ends. Instants are written with their UTC offset, so each says which local time it is
// without relying on the code under test.

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const at = (iso: string): Date => new Date(iso);

function within(...windows: AccessWindow[]): AccessHours {
  return { mode: 'within', windows };
}

function outside(...windows: AccessWindow[]): AccessHours {
  return { mode: 'outside', windows };
}

describe('a window', () => {
  const officeHours = within({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });

  test('allows inside it and refuses outside it, on its days only', () => {
    // 2026-03-06 is a Friday, 2026-03-07 a Saturday.
    assert.equal(isAllowedAt(officeHours, 'UTC', at('2026-03-06T09:00:00Z')), true, 'the start is inside');
    assert.equal(isAllowedAt(officeHours, 'UTC', at('2026-03-06T16:59:59Z')), true);
    assert.equal(isAllowedAt(officeHours, 'UTC', at('2026-03-06T17:00:00Z')), false, 'the end is outside');
    assert.equal(isAllowedAt(officeHours, 'UTC', at('2026-03-06T08:59:59Z')), false);
    assert.equal(isAllowedAt(officeHours, 'UTC', at('2026-03-07T12:00:00Z')), false, 'not on Saturday');
  });

  test('"outside" mode allows exactly when "within" the same windows refuses', () => {
    const windows = [
      { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
      { days: [6], start: '22:00', end: '02:00' },
    ];
    for (let hour = 0; hour < 24 * 14; hour += 1) {
      const instant = new Date(Date.UTC(2026, 2, 2, hour, 17));
      assert.notEqual(
        isAllowedAt(outside(...windows), 'Europe/Madrid', instant),
        isAllowedAt(within(...windows), 'Europe/Madrid', instant),
        instant.toISOString(),
      );
    }
    assert.equal(isAllowedAt(outside(...windows), 'UTC', at('2026-03-07T12:00:00Z')), true);
    assert.equal(isAllowedAt(outside(...windows), 'UTC', at('2026-03-06T12:00:00Z')), false);
  });

  test('"always" allows at any instant', () => {
    assert.equal(isAllowedAt({ mode: 'always' }, 'Pacific/Kiritimati', at('2026-01-01T00:00:00Z')), true);
  });

  test('starting at midnight includes midnight itself', () => {
    const night = within({ days: [6], start: '00:00', end: '01:00' });
    assert.equal(isAllowedAt(night, 'Europe/Madrid', at('2026-03-07T00:00:00+01:00')), true);
    assert.equal(isAllowedAt(night, 'Europe/Madrid', at('2026-03-07T00:30:00+01:00')), true);
    assert.equal(isAllowedAt(night, 'Europe/Madrid', at('2026-03-06T23:59:00+01:00')), false);
  });
});

describe('a window across midnight', () => {
  // Friday night 22:00 to Saturday 06:00, in Madrid (UTC+1 in March before the 29th).
  const fridayNight = within({ days: [5], start: '22:00', end: '06:00' });
  const zone = 'Europe/Madrid';

  test('covers Friday 23:00 and Saturday 05:00, but not Saturday 07:00', () => {
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-06T23:00:00+01:00')), true, 'Friday 23:00');
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-07T05:00:00+01:00')), true, 'Saturday 05:00');
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-07T07:00:00+01:00')), false, 'Saturday 07:00');
    assert.equal(
      isAllowedAt(fridayNight, zone, at('2026-03-07T06:00:00+01:00')),
      false,
      'the end is outside',
    );
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-06T21:59:00+01:00')), false, 'before the start');
  });

  test('belongs to the day it starts on: not Thursday night, nor Friday early morning, nor Saturday night', () => {
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-05T23:00:00+01:00')), false, 'Thursday 23:00');
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-06T05:00:00+01:00')), false, 'Friday 05:00');
    assert.equal(isAllowedAt(fridayNight, zone, at('2026-03-07T23:00:00+01:00')), false, 'Saturday 23:00');
  });

  test('a Sunday night window runs into Monday morning', () => {
    const sundayNight = within({ days: [7], start: '22:00', end: '06:00' });
    assert.equal(isAllowedAt(sundayNight, zone, at('2026-03-09T05:00:00+01:00')), true, 'Monday 05:00');
    assert.equal(isAllowedAt(sundayNight, zone, at('2026-03-10T05:00:00+01:00')), false, 'Tuesday 05:00');
  });
});

describe('daylight-saving changes', () => {
  const dayShift = within({ days: EVERY_DAY, start: '08:00', end: '18:00' });

  test('Europe/Madrid, spring forward on 2026-03-29: 08:00–18:00 holds at local 08:00 on both sides', () => {
    const zone = 'Europe/Madrid';
    // Saturday, still CET (UTC+1).
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-28T08:00:00+01:00')), true);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-28T07:59:00+01:00')), false);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-28T18:00:00+01:00')), false);
    // Sunday, now CEST (UTC+2): 08:00 local is 06:00 UTC, an hour earlier in UTC than the day before.
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-29T08:00:00+02:00')), true);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-29T07:59:00+02:00')), false);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-29T17:59:00+02:00')), true);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-29T18:00:00+02:00')), false);
  });

  test('Europe/Madrid, fall back on 2026-10-25: 08:00–18:00 holds at local 08:00 on both sides', () => {
    const zone = 'Europe/Madrid';
    assert.equal(isAllowedAt(dayShift, zone, at('2026-10-24T08:00:00+02:00')), true);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-10-24T07:59:00+02:00')), false);
    // Sunday, back on CET: 07:00 UTC is 08:00 local; 06:00 UTC (08:00 the day before) is now 07:00.
    assert.equal(isAllowedAt(dayShift, zone, at('2026-10-25T08:00:00+01:00')), true);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-10-25T07:00:00+01:00')), false);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-10-25T18:00:00+01:00')), false);
  });

  test('America/New_York, spring forward on 2026-03-08: 08:00–18:00 holds at local 08:00 on both sides', () => {
    const zone = 'America/New_York';
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-07T08:00:00-05:00')), true, 'Saturday, EST');
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-07T07:59:00-05:00')), false);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-08T08:00:00-04:00')), true, 'Sunday, EDT');
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-08T07:59:00-04:00')), false);
    assert.equal(isAllowedAt(dayShift, zone, at('2026-03-08T18:00:00-04:00')), false);
  });

  test('a 01:00–04:00 window on the spring-forward night lasts two real hours, and its end is exact', () => {
    // In Madrid on Sunday 2026-03-29, 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    const night = within({ days: [7], start: '01:00', end: '04:00' });
    const zone = 'Europe/Madrid';
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T00:59:00+01:00')), false);
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T01:00:00+01:00')), true);
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T01:59:59+01:00')), true, 'just before the jump');
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T03:00:00+02:00')), true, 'just after the jump');
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T03:59:00+02:00')), true);
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T04:00:00+02:00')), false);
    assert.deepEqual(allowedUntil(night, zone, at('2026-03-29T01:30:00+01:00')), at('2026-03-29T02:00:00Z'));
  });

  test('a 01:00–04:00 window on the fall-back night lasts four real hours', () => {
    // In Madrid on Sunday 2026-10-25, 03:00 CEST goes back to 02:00 CET (01:00 UTC).
    const night = within({ days: [7], start: '01:00', end: '04:00' });
    const zone = 'Europe/Madrid';
    assert.equal(isAllowedAt(night, zone, at('2026-10-25T02:30:00+02:00')), true, 'the first 02:30');
    assert.equal(isAllowedAt(night, zone, at('2026-10-25T02:30:00+01:00')), true, 'the second 02:30');
    assert.deepEqual(allowedUntil(night, zone, at('2026-10-25T01:00:00+02:00')), at('2026-10-25T03:00:00Z'));
  });

  test('a window that ends inside the skipped hour closes at the jump', () => {
    const night = within({ days: [7], start: '01:00', end: '02:30' });
    const zone = 'Europe/Madrid';
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T01:59:00+01:00')), true);
    assert.equal(isAllowedAt(night, zone, at('2026-03-29T03:00:00+02:00')), false);
    assert.deepEqual(allowedUntil(night, zone, at('2026-03-29T01:10:00+01:00')), at('2026-03-29T01:00:00Z'));
  });
});

describe('two time zones', () => {
  const dayShift = within({ days: EVERY_DAY, start: '08:00', end: '18:00' });
  // 15:00 UTC on 2026-06-15: 17:00 in Madrid, midnight in Tokyo.
  const instant = at('2026-06-15T15:00:00Z');
  const madrid: MembershipHours = {
    institutionId: 'madrid',
    institutionName: 'Madrid clinic',
    timeZone: 'Europe/Madrid',
    hours: dayShift,
  };
  const tokyo: MembershipHours = {
    institutionId: 'tokyo',
    institutionName: 'Tokyo clinic',
    timeZone: 'Asia/Tokyo',
    hours: dayShift,
  };

  test('the same instant is inside the window for one institution and outside for another', () => {
    assert.equal(isAllowedAt(dayShift, madrid.timeZone, instant), true);
    assert.equal(isAllowedAt(dayShift, tokyo.timeZone, instant), false);
  });

  test('a member of both may use Ward while either allows, and not when neither does', () => {
    assert.equal(judgeHours([madrid, tokyo], instant).allowed, true);
    assert.equal(judgeHours([tokyo], instant).allowed, false);
    // 18:00 UTC: 20:00 in Madrid, 03:00 in Tokyo; 23:30 UTC: 08:30 in Tokyo.
    assert.equal(judgeHours([madrid, tokyo], at('2026-06-15T18:00:00Z')).allowed, false);
    assert.equal(judgeHours([madrid, tokyo], at('2026-06-15T23:30:00Z')).allowed, true, '08:30 in Tokyo');
  });

  test('someone with no membership (the system level) is never restricted', () => {
    assert.deepEqual(judgeHours([], instant), { allowed: true, closesAt: undefined });
  });
});

describe('when access ends', () => {
  const officeHours = within({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });

  test('is the end of the window, to the minute, for someone inside it', () => {
    // Monday 2026-03-02.
    assert.deepEqual(
      allowedUntil(officeHours, 'UTC', at('2026-03-02T16:50:30Z')),
      at('2026-03-02T17:00:00Z'),
    );
    assert.deepEqual(
      allowedUntil(officeHours, 'UTC', at('2026-03-02T09:00:00Z')),
      at('2026-03-02T17:00:00Z'),
    );
    assert.deepEqual(
      allowedUntil(officeHours, 'America/New_York', at('2026-03-02T16:59:00-05:00')),
      at('2026-03-02T17:00:00-05:00'),
    );
  });

  test('is undefined outside the window, for "always", and when it is beyond the horizon', () => {
    assert.equal(allowedUntil(officeHours, 'UTC', at('2026-03-02T17:00:00Z')), undefined);
    assert.equal(allowedUntil({ mode: 'always' }, 'UTC', at('2026-03-02T12:00:00Z')), undefined);
    assert.equal(allowedUntil(officeHours, 'UTC', at('2026-03-02T10:00:00Z'), 60), undefined);
    assert.deepEqual(
      allowedUntil(officeHours, 'UTC', at('2026-03-02T10:00:00Z'), 7 * 60),
      at('2026-03-02T17:00:00Z'),
    );
  });

  test('runs on through adjacent windows and across midnight', () => {
    const split = within(
      { days: [1], start: '08:00', end: '12:00' },
      { days: [1], start: '12:00', end: '18:00' },
    );
    assert.deepEqual(allowedUntil(split, 'UTC', at('2026-03-02T11:00:00Z')), at('2026-03-02T18:00:00Z'));
    const nights = within({ days: EVERY_DAY, start: '22:00', end: '06:00' });
    assert.deepEqual(
      allowedUntil(nights, 'Europe/Madrid', at('2026-03-06T23:00:00+01:00')),
      at('2026-03-07T06:00:00+01:00'),
    );
  });

  test('in "outside" mode is when the excluded window starts', () => {
    const notOfficeHours = outside({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });
    // Sunday noon: allowed until Monday 09:00, 21 hours later.
    assert.deepEqual(
      allowedUntil(notOfficeHours, 'UTC', at('2026-03-01T12:00:00Z')),
      at('2026-03-02T09:00:00Z'),
    );
  });

  test('for a member of two institutions, is when the last open window closes, counting one that opens later', () => {
    const morning: MembershipHours = {
      institutionId: 'a',
      institutionName: 'A',
      timeZone: 'UTC',
      hours: within({ days: EVERY_DAY, start: '08:00', end: '12:00' }),
    };
    const afternoon: MembershipHours = {
      institutionId: 'b',
      institutionName: 'B',
      timeZone: 'UTC',
      hours: within({ days: EVERY_DAY, start: '11:30', end: '15:00' }),
    };
    const always: MembershipHours = { ...afternoon, institutionId: 'c', hours: { mode: 'always' } };
    // At 11:00 only the morning window is open, but the afternoon one opens before it closes.
    assert.deepEqual(
      judgeHours([morning, afternoon], at('2026-03-02T11:00:00Z')).closesAt,
      at('2026-03-02T15:00:00Z'),
    );
    assert.deepEqual(judgeHours([morning], at('2026-03-02T11:00:00Z')).closesAt, at('2026-03-02T12:00:00Z'));
    assert.equal(judgeHours([morning, always], at('2026-03-02T11:00:00Z')).closesAt, undefined);
    assert.equal(judgeHours([morning, afternoon], at('2026-03-02T16:00:00Z')).closesAt, undefined);
  });

  test('matches a minute-by-minute reading of the clock, whatever the hours, zone and day', () => {
    // A plain scan of every minute, the obvious definition, against which the fast one is checked.
    function scanned(hours: AccessHours, zone: string, instant: Date, horizon: number): Date | undefined {
      if (hours.mode === 'always' || !isAllowedAt(hours, zone, instant)) return undefined;
      const start = Math.floor(instant.getTime() / 60_000) * 60_000;
      for (let i = 1; i <= horizon; i++) {
        const candidate = new Date(start + i * 60_000);
        if (!isAllowedAt(hours, zone, candidate)) return candidate;
      }
      return undefined;
    }
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const hhmm = (): string =>
      `${String(random(24)).padStart(2, '0')}:${String(random(4) * 15).padStart(2, '0')}`;
    const zones = ['Europe/Madrid', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
    // Around the 2026 changes of these zones, and an ordinary week.
    const days = [
      '2026-03-08',
      '2026-03-29',
      '2026-04-05',
      '2026-10-04',
      '2026-10-25',
      '2026-11-01',
      '2026-06-10',
    ];
    let ends = 0;
    for (let i = 0; i < 60; i++) {
      const windows = Array.from({ length: 1 + random(3) }, () => {
        const start = hhmm();
        let end = hhmm();
        if (end === start) end = start === '00:00' ? '12:00' : '00:00';
        return { days: EVERY_DAY.filter(() => random(3) > 0), start, end };
      }).filter((w) => w.days.length > 0);
      if (windows.length === 0) continue;
      const hours: AccessHours = random(4) === 0 ? outside(...windows) : within(...windows);
      const zone = zones[random(zones.length)] ?? 'UTC';
      const instant = new Date(`${days[random(days.length)] ?? '2026-03-29'}T00:00:00Z`);
      instant.setUTCMinutes(random(48 * 60) - 24 * 60, random(60));
      const expected = scanned(hours, zone, instant, 36 * 60);
      if (expected) ends++;
      assert.deepEqual(
        allowedUntil(hours, zone, instant, 36 * 60),
        expected,
        `${JSON.stringify(hours)} in ${zone} at ${instant.toISOString()}`,
      );
    }
    assert.ok(ends > 10, 'enough of the cases end within the horizon to compare');
  });

  test('for a single rule is the same as for that rule alone among none other', () => {
    const hours = within({ days: EVERY_DAY, start: '08:00', end: '18:00' });
    const instant = at('2026-03-29T09:00:00+02:00');
    assert.deepEqual(
      accessEndsAt([{ hours, timeZone: 'Europe/Madrid' }], instant),
      allowedUntil(hours, 'Europe/Madrid', instant),
    );
    assert.equal(accessEndsAt([], instant), undefined);
  });
});

describe('accessHoursProblems', () => {
  const window = { days: [1, 2, 3, 4, 5], start: '08:00', end: '15:00' };

  test('accepts usable hours', () => {
    assert.deepEqual(accessHoursProblems({ mode: 'always' }), []);
    assert.deepEqual(accessHoursProblems({ mode: 'within', windows: [window] }), []);
    assert.deepEqual(
      accessHoursProblems({ mode: 'outside', windows: [{ ...window, start: '22:00', end: '06:00' }] }),
      [],
    );
    assert.deepEqual(
      accessHoursProblems({ mode: 'within', windows: [{ ...window, start: '00:00', end: '23:59' }] }),
      [],
    );
    assert.deepEqual(
      accessHoursProblems({ mode: 'within', windows: Array.from({ length: 14 }, () => window) }),
      [],
    );
  });

  const refused: [string, unknown, RegExp][] = [
    ['not an object', 'always', /must be an object/],
    ['null', null, /must be an object/],
    ['an unknown mode', { mode: 'sometimes' }, /mode/],
    ['no windows', { mode: 'within', windows: [] }, /1 to 14 windows/],
    ['windows missing', { mode: 'within' }, /1 to 14 windows/],
    [
      'more than 14 windows',
      { mode: 'within', windows: Array.from({ length: 15 }, () => window) },
      /1 to 14/,
    ],
    ['a window that is not an object', { mode: 'within', windows: [null] }, /window 1/],
    ['empty days', { mode: 'within', windows: [{ ...window, days: [] }] }, /window 1: days/],
    ['day 8', { mode: 'within', windows: [{ ...window, days: [1, 8] }] }, /window 1: days/],
    ['day 0', { mode: 'within', windows: [{ ...window, days: [0] }] }, /window 1: days/],
    ['a fractional day', { mode: 'within', windows: [{ ...window, days: [1.5] }] }, /window 1: days/],
    ['a day as text', { mode: 'within', windows: [{ ...window, days: ['1'] }] }, /window 1: days/],
    [
      'an hour without its leading zero',
      { mode: 'within', windows: [{ ...window, start: '8:00' }] },
      /HH:MM/,
    ],
    ['24:00', { mode: 'within', windows: [{ ...window, end: '24:00' }] }, /HH:MM/],
    ['minute 60', { mode: 'within', windows: [{ ...window, end: '12:60' }] }, /HH:MM/],
    ['words', { mode: 'within', windows: [{ ...window, start: 'noon' }] }, /HH:MM/],
    ['seconds', { mode: 'within', windows: [{ ...window, start: '08:00:00' }] }, /HH:MM/],
    ['a number', { mode: 'within', windows: [{ ...window, end: 1500 }] }, /HH:MM/],
    ['start equal to end', { mode: 'within', windows: [{ ...window, end: '08:00' }] }, /must differ/],
  ];
  for (const [what, hours, problem] of refused) {
    test(`refuses ${what}`, () => {
      const problems = accessHoursProblems(hours);
      assert.ok(problems.length > 0, `${JSON.stringify(hours)} was accepted`);
      assert.match(problems.join('; '), problem);
    });
  }

  test('names each bad window by its position', () => {
    const problems = accessHoursProblems({
      mode: 'within',
      windows: [window, { ...window, days: [9] }, { ...window, start: '25:00' }],
    });
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /^window 2:/);
    assert.match(problems[1] ?? '', /^window 3:/);
  });
});

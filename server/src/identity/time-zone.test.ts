import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTimeZone } from './store.ts';

test('an institution may use any IANA time-zone name, links and old spellings included', () => {
  for (const zone of [
    'Europe/Madrid',
    'UTC',
    'America/Argentina/Buenos_Aires',
    'America/Buenos_Aires',
    'Asia/Kolkata',
    'Asia/Calcutta',
    'Etc/GMT+3',
  ]) {
    assert.equal(isTimeZone(zone), true, zone);
  }
});

test('anything else is refused: unknown names, offsets, paths, empty text', () => {
  for (const zone of ['Mars/Olympus_Mons', '+01:00', '../etc/passwd', 'Europe/', '', ' UTC', 'utc; drop']) {
    assert.equal(isTimeZone(zone), false, zone);
  }
});

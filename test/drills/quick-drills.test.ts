// The quick variants of the drills in bench/drills/, as tests: small counts, each well under a
// minute on an idle machine. The full variants and the tool-driven drills (sqlmap, testssl.sh) run
// on demand: `npm run drill -- NAME`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DB_OUTAGE_QUICK, runDbOutageDrill } from '../../bench/drills/db-outage.ts';
import { FUZZ_QUICK, runFuzzDrill } from '../../bench/drills/fuzz.ts';
import { GUESSING_QUICK, runPasswordGuessingDrill } from '../../bench/drills/password-guessing.ts';
import { verdictLine, type DrillResult } from '../../bench/drills/support.ts';

function assertPassed(result: DrillResult): void {
  assert.ok(result.passed, [verdictLine(result), ...result.report].join('\n'));
}

// Generous limits: CI machines are shared, and each drill starts its own Ward.
const LIMIT = { timeout: 300_000 };

test(
  'drill db-outage (quick): PostgreSQL killed under load, 503 meanwhile, back within 5 s, nothing acknowledged lost',
  LIMIT,
  async () => {
    assertPassed(await runDbOutageDrill(DB_OUTAGE_QUICK));
  },
);

test(
  'drill password-guessing (quick): 300 guesses from 8 addresses, none succeeds, the real user still signs in',
  LIMIT,
  async () => {
    assertPassed(await runPasswordGuessingDrill(GUESSING_QUICK));
  },
);

test(
  'drill fuzz (quick): a sweep and 1,000 random requests, no 5xx, errors in shape, nothing written',
  LIMIT,
  async () => {
    assertPassed(await runFuzzDrill(FUZZ_QUICK));
  },
);

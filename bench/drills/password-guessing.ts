// Drill: an online password-guessing attack on one account, from several source addresses
// (127.0.0.2 … 127.0.0.9: every 127.x address reaches a Ward on 127.0.0.1), with passwords from
// Ward's own blocklist of common and breached passwords. Passes when no guess succeeds, when every
// refusal looks the same (status and body), and when the real user, from a browser that signed in
// before (its `ward_device` cookie), can still sign in afterwards. Reports how many guesses were
// actually checked against the password and how many were refused unchecked by the throttle.
//
//   npm run drill -- password-guessing [--quick] [--guesses N]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTestDatabase } from '../../server/test/harness.ts';
import { createTestUser, ownerDb } from '../../server/test/users.ts';
import {
  agentFrom,
  errorCodeOf,
  Findings,
  jsonBody,
  numberOption,
  request,
  runAsScript,
  seededRandom,
  signInForToken,
  startWardProcess,
  withDrillPostgres,
  type DrillResult,
} from './support.ts';

export interface GuessingOptions {
  readonly guesses: number;
  /** Source addresses 127.0.0.2 onwards. */
  readonly addresses: number;
  /** Requests in flight per source address. */
  readonly perAddress: number;
  readonly seed: number;
}

export const GUESSING_QUICK: GuessingOptions = { guesses: 300, addresses: 8, perAddress: 2, seed: 7 };
export const GUESSING_FULL: GuessingOptions = { guesses: 5000, addresses: 8, perAddress: 2, seed: 7 };

const BLOCKLIST = path.resolve(import.meta.dirname, '../../server/src/auth/passwords/blocklist.txt.gz');
const ATTACKER_AGENT = 'ward-drill-guesser/1.0';

/** `count` distinct passwords from Ward's blocklist, in a seeded random order. */
export function wordlist(count: number, seed: number): string[] {
  const words = gunzipSync(readFileSync(BLOCKLIST))
    .toString('utf8')
    .split('\n')
    .filter((w) => w.length > 0);
  const random = seededRandom(seed);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [words[i], words[j]] = [words[j] ?? '', words[i] ?? ''];
  }
  return words.slice(0, count);
}

export async function runPasswordGuessingDrill(options: GuessingOptions): Promise<DrillResult> {
  const findings = new Findings();
  const database = await createTestDatabase();
  const ward = await startWardProcess({ databaseUrl: database.url, runtimeRole: database.runtimeRole });
  const owner = ownerDb(database.url);
  const addresses = Array.from({ length: options.addresses }, (_, i) => `127.0.0.${String(i + 2)}`);
  const agents = addresses.map((address) => agentFrom(address, options.perAddress));
  const browser = agentFrom('127.0.0.1', 2);
  try {
    const victim = await createTestUser(owner, { institution: true, roles: ['doctor'] });
    // The real user's browser signed in before the attack and keeps its device cookie.
    const { deviceCookie } = await signInForToken(ward.url, victim.username, victim.password, {
      agent: browser,
    });
    findings.check(deviceCookie !== undefined, 'the first sign-in set no ward_device cookie');

    const guesses = wordlist(options.guesses, options.seed);
    const statuses = new Map<string, number>();
    const refusalBodies = new Set<string>();
    let successes = 0;
    let transportErrors = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      agents.flatMap((agent) =>
        Array.from({ length: options.perAddress }, async () => {
          for (let i = next++; i < guesses.length; i = next++) {
            const { body, headers } = jsonBody({ username: victim.username, password: guesses[i] });
            try {
              const answer = await request(ward.url, {
                method: 'POST',
                path: '/api/auth/login',
                body,
                headers: { ...headers, 'user-agent': ATTACKER_AGENT },
                agent,
              });
              const key = `${String(answer.status)} ${errorCodeOf(answer) ?? ''}`.trim();
              statuses.set(key, (statuses.get(key) ?? 0) + 1);
              if (answer.status === 200) successes++;
              if (answer.status === 401) refusalBodies.add(answer.text);
            } catch {
              transportErrors++;
            }
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;

    const after = await request(ward.url, {
      method: 'POST',
      path: '/api/auth/login',
      ...jsonBody({ username: victim.username, password: victim.password, tokenDelivery: 'bearer' }),
      headers: { 'content-type': 'application/json', cookie: `ward_device=${deviceCookie ?? ''}` },
      agent: browser,
    });
    // For the report only: the same right password from a browser Ward has not seen.
    const stranger = await request(ward.url, {
      method: 'POST',
      path: '/api/auth/login',
      ...jsonBody({ username: victim.username, password: victim.password }),
      agent: browser,
    });

    const outcomes = await owner
      .selectFrom('ward.sign_in_attempts')
      .select(['outcome', (eb) => eb.fn.countAll<string>().as('n')])
      .where('username', '=', victim.username)
      .where('user_agent', '=', ATTACKER_AGENT)
      .groupBy('outcome')
      .execute();
    const recorded = new Map(outcomes.map((o) => [o.outcome, Number(o.n)]));
    const checked = recorded.get('wrong_password') ?? 0;
    const refusedByLock = recorded.get('throttled') ?? 0;
    const refusedByAddress = recorded.get('ip_throttled') ?? 0;

    findings.note(
      `${String(guesses.length)} guesses from ${String(addresses.length)} addresses (${addresses[0] ?? ''} … ${addresses.at(-1) ?? ''}), ${String(options.perAddress)} in flight each, in ${seconds.toFixed(1)} s (${(guesses.length / seconds).toFixed(0)}/s)`,
    );
    findings.note(`answers: ${[...statuses].map(([k, n]) => `${String(n)} × ${k}`).join(', ')}`);
    findings.note(
      `checked against the password: ${String(checked)}; refused unchecked by the account lock: ${String(refusedByLock)}; refused by the address ceiling: ${String(refusedByAddress)}`,
    );
    findings.note(`distinct refusal bodies: ${String(refusalBodies.size)}`);
    findings.note(
      `afterwards the user's known browser: ${String(after.status)}; the right password from an unknown browser: ${String(stranger.status)} ${errorCodeOf(stranger) ?? ''}`,
    );
    findings.check(successes === 0, `${String(successes)} guesses succeeded`);
    findings.check(transportErrors === 0, `${String(transportErrors)} guesses got no HTTP answer`);
    findings.check(
      checked + refusedByLock + refusedByAddress === guesses.length,
      `Ward recorded ${String(checked + refusedByLock + refusedByAddress)} attempts for ${String(guesses.length)} guesses`,
    );
    findings.check(
      refusalBodies.size <= 1,
      'refusals differ in their bodies, which tells a checked guess from a refused one',
    );
    findings.check(
      after.status === 200,
      `the real user from a known browser could not sign in: ${String(after.status)} ${after.text}`,
    );
    findings.check(ward.alive(), 'the Ward process died');
    return findings.result(
      'password-guessing',
      `0 of ${String(guesses.length)} guesses succeeded (${String(checked)} checked, ${String(refusedByLock + refusedByAddress)} refused unchecked); the real user signed in from a known browser`,
    );
  } finally {
    for (const agent of [...agents, browser]) agent.destroy();
    await owner.destroy();
    await ward.stop();
    await database.drop();
  }
}

runAsScript(import.meta, (argv) =>
  withDrillPostgres(() => {
    const base = argv.includes('--quick') ? GUESSING_QUICK : GUESSING_FULL;
    return runPasswordGuessingDrill({ ...base, guesses: numberOption(argv, 'guesses', base.guesses) });
  }),
);

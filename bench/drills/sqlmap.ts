// Drill (on demand): sqlmap against the parameters that reach SQL with text a client chooses —
// the sign-in body (username, password), patient search (?q= in both modes, ?identifier=) and the
// patient export (?q=, after a fresh re-authentication). Passes when sqlmap finds nothing
// injectable and every target was really tested (sqlmap finished and said so).
//
// The sign-in throttle would answer sqlmap's payloads with 429 after 100 failures from one
// address, so that they never reached the query; the drill clears the throttle counters every half
// second while the sign-in is tested.
//
//   npm run drill -- sqlmap            (installs Debian's sqlmap when it is missing)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase } from '../../server/test/harness.ts';
import { createTestUser, ownerDb } from '../../server/test/users.ts';
import {
  agentFrom,
  bearer,
  ensureCommand,
  Findings,
  jsonBody,
  request,
  runAsScript,
  runTool,
  signInForToken,
  startWardProcess,
  tempDir,
  withDrillPostgres,
  type DrillResult,
} from './support.ts';

const TARGET_TIMEOUT_MS = 20 * 60_000;
const PASSWORD_BODY = { username: 'garcia', password: 'a wrong password' };

interface Target {
  readonly name: string;
  readonly args: readonly string[];
  readonly threads: number;
}

/** What sqlmap said about one target: injectable or not, and whether it finished testing. */
export function readSqlmapOutput(output: string): { injectable: string[]; finished: boolean } {
  const injectable = output
    .split('\n')
    .filter(
      (line) =>
        (/\bis vulnerable\b/i.test(line) ||
          /identified the following injection point/i.test(line) ||
          /parameter '.+' is '.+' injectable/i.test(line)) &&
        !/might be injectable|not injectable|do not appear to be injectable|does not seem to be injectable/i.test(
          line,
        ),
    );
  const finished = /do not appear to be injectable|identified the following injection point/i.test(output);
  return { injectable, finished };
}

export async function runSqlmapDrill(): Promise<DrillResult> {
  ensureCommand('sqlmap', 'sqlmap');
  const findings = new Findings();
  const version = spawnSync('sqlmap', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const database = await createTestDatabase();
  const ward = await startWardProcess({ databaseUrl: database.url, runtimeRole: database.runtimeRole });
  const owner = ownerDb(database.url);
  const agent = agentFrom();
  const work = tempDir('ward-sqlmap-');
  try {
    const user = await createTestUser(owner, { institution: true, roles: ['administrative'] });
    const iid = user.institutionId ?? '';
    await owner
      .updateTable('ward.memberships')
      .set({ export_permission: true })
      .where('user_id', '=', user.id)
      .execute();
    const { token } = await signInForToken(ward.url, user.username, user.password, { agent });
    // Patients for the searches to find, so that true and false conditions answer differently.
    await Promise.all(
      ['Garcia', 'Garcia Lopez', 'Gardner', 'Smith'].map(async (family, i) => {
        const { body, headers } = jsonBody({
          identifierType: 'national_id',
          identifierValue: `ID${String(1000 + i)}`,
          familyName: family,
          givenNames: 'Ana',
          birthDate: '1980-01-01',
          sex: 'female',
        });
        const answer = await request(ward.url, {
          method: 'POST',
          path: `/api/institutions/${iid}/patients`,
          body,
          headers: { ...headers, ...bearer(token) },
          agent,
        });
        if (answer.status !== 201)
          throw new Error(`seeding a patient: ${String(answer.status)} ${answer.text}`);
      }),
    );
    const reauthenticate = async (): Promise<number> => {
      const { body, headers } = jsonBody({ password: user.password });
      const answer = await request(ward.url, {
        method: 'POST',
        path: '/api/me/reauthenticate',
        body,
        headers: { ...headers, ...bearer(token) },
        agent,
      });
      return answer.status;
    };

    const auth = ['--headers', `Authorization: Bearer ${token}`];
    const base = `${ward.url}/api/institutions/${iid}`;
    const targets: Target[] = [
      {
        name: 'sign-in body (username, password)',
        args: [
          '-u',
          `${ward.url}/api/auth/login`,
          '--data',
          JSON.stringify(PASSWORD_BODY),
          '--headers',
          'Content-Type: application/json',
          '-p',
          'username,password',
          // Every wrong sign-in is a 401; sqlmap would otherwise stop at the first one.
          '--ignore-code=401',
        ],
        threads: 2,
      },
      {
        name: 'patient search ?q= (prefix)',
        args: ['-u', `${base}/patients?q=Garc`, '-p', 'q', ...auth],
        threads: 2,
      },
      {
        name: 'patient search ?q= (fuzzy)',
        args: ['-u', `${base}/patients?mode=fuzzy&q=Garcia`, '-p', 'q', ...auth],
        threads: 2,
      },
      {
        name: 'patient search ?identifier=',
        args: ['-u', `${base}/patients?identifier=ID1000`, '-p', 'identifier', ...auth],
        threads: 2,
      },
      // One export at a time per user: a second thread would only collect 409s.
      {
        name: 'patient export ?q=',
        args: ['-u', `${base}/exports/patients?format=csv&q=Garc`, '-p', 'q', ...auth],
        threads: 1,
      },
    ];

    findings.note(`sqlmap ${version}`);
    let totalSeconds = 0;
    for (const [index, target] of targets.entries()) {
      const traffic = path.join(work.path, `traffic-${String(index)}.txt`);
      // Keeps sign-in payloads reaching the query instead of the throttle's 429, and the export's
      // step-up fresh (it lasts 5 minutes).
      const keeper = setInterval(() => {
        void sql`DELETE FROM ward.throttle_counters`.execute(owner).catch(() => undefined);
        if (target.name.startsWith('patient export')) void reauthenticate().catch(() => undefined);
      }, 500);
      if (target.name.startsWith('patient export')) {
        findings.check((await reauthenticate()) === 200, 'the re-authentication before the export failed');
      }
      const args = [
        ...target.args,
        '--batch',
        '--level=3',
        '--risk=2',
        '--technique=BEUST',
        `--threads=${String(target.threads)}`,
        '--time-sec=2',
        '--timeout=15',
        '--retries=1',
        '--dbms=PostgreSQL',
        '--flush-session',
        '--disable-coloring',
        `--output-dir=${work.path}`,
        `-t`,
        traffic,
      ];
      const run = await runTool('sqlmap', args, TARGET_TIMEOUT_MS);
      clearInterval(keeper);
      totalSeconds += run.seconds;
      const read = readSqlmapOutput(run.output);
      const requests = existsSync(traffic)
        ? (readFileSync(traffic, 'utf8').match(/^HTTP request \[#\d+\]/gm) ?? []).length
        : 0;
      const codes =
        /HTTP error codes detected during run:\s*\n?(.*)/i.exec(run.output)?.[1]?.trim() ?? 'none';
      findings.note(
        `${target.name}: ${read.injectable.length > 0 ? 'INJECTABLE' : read.finished ? 'not injectable' : 'did not finish'} — ${String(requests)} requests in ${run.seconds.toFixed(0)} s; HTTP error codes: ${codes}`,
      );
      for (const line of read.injectable) findings.note(`  ${line.trim()}`);
      findings.check(read.injectable.length === 0, `sqlmap found ${target.name} injectable`);
      findings.check(
        read.finished && !run.timedOut,
        `sqlmap did not finish testing ${target.name}${run.timedOut ? ' (time limit)' : ''}: ${run.output.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    findings.note(
      `command per target: sqlmap -u URL [-p PARAM] [--data JSON] [--headers "Authorization: Bearer …"] --batch --level=3 --risk=2 --technique=BEUST --threads=2 --time-sec=2 --timeout=15 --retries=1 --dbms=PostgreSQL --flush-session (sign-in: --ignore-code=401; export: --threads=1)`,
    );
    findings.note(`sqlmap ran ${(totalSeconds / 60).toFixed(1)} minutes in all`);
    findings.check(ward.alive(), 'the Ward process died');
    return findings.result(
      'sqlmap',
      `nothing injectable in ${String(targets.length)} targets (${(totalSeconds / 60).toFixed(1)} min)`,
    );
  } finally {
    agent.destroy();
    await owner.destroy();
    await ward.stop();
    await database.drop();
    work.remove();
  }
}

runAsScript(import.meta, () => withDrillPostgres(runSqlmapDrill));

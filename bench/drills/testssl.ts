// Drill (on demand): testssl.sh against Ward in production mode, with a self-signed certificate and
// strong secrets. Passes when only TLS 1.2 and 1.3 are offered, no weak cipher class is (NULL,
// anonymous, export, low, 3DES/IDEA, RC4), forward secrecy is, no vulnerability check fails, and
// the answer carries HSTS.
//
//   npm run drill -- testssl           (installs Debian's testssl.sh when it is missing)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTestCertificate } from '../../server/src/http/test-certificates.ts';
import { createTestDatabase } from '../../server/test/harness.ts';
import {
  ensureCommand,
  Findings,
  runAsScript,
  runTool,
  startWardProcess,
  tempDir,
  withDrillPostgres,
  type DrillResult,
} from './support.ts';

export interface TestsslFinding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

const OLD_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'];
const WEAK_CIPHER_CLASSES = [
  'cipherlist_NULL',
  'cipherlist_aNULL',
  'cipherlist_EXPORT',
  'cipherlist_LOW',
  'cipherlist_3DES_IDEA',
];
// What `-U` checks, by the ids testssl.sh gives its findings.
const VULNERABILITIES = [
  'heartbleed',
  'CCS',
  'ticketbleed',
  'ROBOT',
  'secure_renego',
  'secure_client_renego',
  'CRIME_TLS',
  'BREACH',
  'POODLE_SSL',
  'fallback_SCSV',
  'SWEET32',
  'FREAK',
  'DROWN',
  'LOGJAM',
  'BEAST',
  'LUCKY13',
  'RC4',
];
const TIMEOUT_MS = 15 * 60_000;

/** Judges testssl.sh's JSON findings; returns the problems (empty when the configuration passes). */
export function judgeTestssl(findings: readonly TestsslFinding[]): string[] {
  const problems: string[] = [];
  const byId = new Map(findings.map((f) => [f.id, f]));
  const said = (id: string): string => byId.get(id)?.finding ?? '(not reported)';
  for (const id of OLD_PROTOCOLS) {
    if (!/not offered/i.test(said(id))) problems.push(`${id}: ${said(id)}`);
  }
  for (const id of ['TLS1_2', 'TLS1_3']) {
    if (!/^offered/i.test(said(id))) problems.push(`${id} is not offered: ${said(id)}`);
  }
  for (const id of WEAK_CIPHER_CLASSES) {
    if (!/not offered/i.test(said(id))) problems.push(`${id}: ${said(id)}`);
  }
  const forwardSecrecy = byId.get('FS') ?? byId.get('PFS');
  if (
    !forwardSecrecy ||
    !/offered/i.test(forwardSecrecy.finding) ||
    /not offered/i.test(forwardSecrecy.finding)
  )
    problems.push(`forward secrecy: ${forwardSecrecy?.finding ?? '(not reported)'}`);
  // testssl.sh 3.0 reports the header's max-age as HSTS_time, later versions also as HSTS.
  if (byId.get('HSTS')?.severity !== 'OK' && byId.get('HSTS_time')?.severity !== 'OK')
    problems.push(`HSTS: ${said('HSTS')} ${said('HSTS_time')}`);
  // Anything testssl itself rates as a real weakness, wherever it found it.
  for (const f of findings) {
    if (['HIGH', 'CRITICAL'].includes(f.severity)) problems.push(`${f.id} (${f.severity}): ${f.finding}`);
  }
  return problems;
}

export async function runTestsslDrill(): Promise<DrillResult> {
  ensureCommand('testssl', 'testssl.sh');
  const binary = spawnSync('sh', ['-c', 'command -v testssl || command -v testssl.sh'], {
    encoding: 'utf8',
  }).stdout.trim();
  const findings = new Findings();
  const work = tempDir('ward-testssl-');
  const database = await createTestDatabase();
  const certificate = createTestCertificate(work.path, 'ward');
  const secret = (): string => randomBytes(32).toString('base64url');
  const ward = await startWardProcess({
    databaseUrl: database.url,
    runtimeRole: database.runtimeRole,
    properties: {
      'app.mode': 'production',
      'server.ssl.certificate': certificate.certificate,
      'server.ssl.key': certificate.key,
      'token.secret': secret(),
      'auth.2fa.password': secret(),
      'admin.password': `Drill ${secret()} lantern`,
    },
  });
  try {
    const jsonFile = path.join(work.path, 'testssl.json');
    const args = [
      '--quiet',
      '--color',
      '0',
      '--warnings',
      'batch',
      '--jsonfile',
      jsonFile,
      '-p',
      '-s',
      '-f',
      '-h',
      '-U',
      ward.url,
    ];
    const run = await runTool(binary, args, TIMEOUT_MS);
    findings.note(
      `testssl.sh: ${binary} ${args.map((a) => (a === jsonFile ? '<tmp>/testssl.json' : a)).join(' ')}`,
    );
    findings.note(
      `ran ${run.seconds.toFixed(0)} s${run.timedOut ? ' (time limit reached)' : ''}, exit status ${String(run.status)}`,
    );
    let results: TestsslFinding[] = [];
    try {
      results = JSON.parse(readFileSync(jsonFile, 'utf8')) as TestsslFinding[];
    } catch {
      findings.check(false, `testssl.sh wrote no JSON findings: ${run.output.slice(-500)}`);
    }
    const show = (id: string): void => {
      const f = results.find((r) => r.id === id);
      if (f) findings.note(`  ${id.padEnd(22)} ${f.severity.padEnd(8)} ${f.finding}`);
    };
    for (const id of [
      ...OLD_PROTOCOLS,
      'TLS1_2',
      'TLS1_3',
      ...WEAK_CIPHER_CLASSES,
      'cipherlist_AVERAGE',
      'cipherlist_STRONG',
      'FS',
      'PFS',
      'FS_ECDHE_curves',
      'HSTS',
      'HSTS_time',
    ]) {
      show(id);
    }
    findings.note('vulnerability checks (-U):');
    for (const id of VULNERABILITIES) show(id);
    const notable = results.filter((r) => ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'WARN'].includes(r.severity));
    findings.note(`findings rated LOW or worse (or warnings): ${notable.length === 0 ? 'none' : ''}`);
    for (const f of notable) findings.note(`  ${f.id.padEnd(22)} ${f.severity.padEnd(8)} ${f.finding}`);
    for (const problem of judgeTestssl(results)) findings.check(false, problem);
    findings.check(!run.timedOut, 'testssl.sh did not finish in time');
    findings.check(ward.alive(), 'the Ward process died');
    return findings.result(
      'testssl',
      `TLS 1.2 and 1.3 only, no weak cipher class, forward secrecy, HSTS; no HIGH or CRITICAL finding (${String(results.length)} findings, ${run.seconds.toFixed(0)} s)`,
    );
  } finally {
    await ward.stop();
    await database.drop();
    work.remove();
  }
}

runAsScript(import.meta, () => withDrillPostgres(runTestsslDrill));

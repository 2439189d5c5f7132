// Drill: random and mutated requests across every route Ward has (read from its OpenAPI
// document): odd methods, path parameters (real ids of this and another institution, unknown ids,
// garbage, long and unicode strings, `../`), query strings, JSON bodies broken in every way, wrong
// media types, with no session, a garbage one, or a valid one of each role. Passes when no answer
// is a 5xx, every error has the `{error: {code, message}}` body, every write with a valid session
// was refused (the drill only sends those broken), the process is still alive, and no table holding
// Ward's data changed its row count.
//
//   npm run drill -- fuzz [--quick] [--requests N] [--seed N]
import { sql } from 'kysely';
import { createTestDatabase } from '../../server/test/harness.ts';
import { createTestUser, ownerDb } from '../../server/test/users.ts';
import type { InstitutionRole } from '../../server/src/identity/roles.ts';
import {
  operationsFrom,
  requestGenerator,
  sweepRequests,
  type FuzzRequest,
  type IdPool,
  type Session,
} from './fuzz-requests.ts';
import {
  ADMIN_PASSWORD,
  agentFrom,
  bearer,
  Findings,
  jsonBody,
  numberOption,
  rawExchange,
  request,
  runAsScript,
  seededRandom,
  signInForToken,
  startWardProcess,
  withDrillPostgres,
  type Answer,
  type DrillResult,
} from './support.ts';

export interface FuzzOptions {
  readonly requests: number;
  readonly concurrency: number;
  readonly seed: number;
}

export const FUZZ_QUICK: FuzzOptions = { requests: 1000, concurrency: 8, seed: 1 };
export const FUZZ_FULL: FuzzOptions = { requests: 10_000, concurrency: 8, seed: 1 };

/** Tables that record activity (attempts, audit, sessions), which refused requests may add to. */
const ACTIVITY_TABLES = new Set([
  'audit_events',
  'audit_seals',
  'sign_in_attempts',
  'throttle_counters',
  'sessions',
  'second_factor_challenges',
]);

const BODY_LIMIT = 1_048_576;

function idsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) idsIn(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'id' && typeof inner === 'string') out.push(inner);
      else idsIn(inner, out);
    }
  }
  return out;
}

function isErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

function describe(req: FuzzRequest, answer?: Answer): string {
  const body = req.body === undefined ? '' : ` body ${JSON.stringify(req.body.slice(0, 160))}`;
  const path = req.path.length > 200 ? `${req.path.slice(0, 200)}…` : req.path;
  return `${req.method} ${path} ${req.label}${body}${answer ? ` → ${String(answer.status)} ${answer.text.slice(0, 200)}` : ''}`;
}

export async function runFuzzDrill(options: FuzzOptions): Promise<DrillResult> {
  const findings = new Findings();
  const database = await createTestDatabase();
  const ward = await startWardProcess({ databaseUrl: database.url, runtimeRole: database.runtimeRole });
  const owner = ownerDb(database.url);
  // A new connection per request: a broken request may leave its connection unusable, and the next
  // request must not fail for that.
  const agent = agentFrom('127.0.0.1', options.concurrency, false);
  try {
    // Members of institution A in every role, one member of B, and the system administrator.
    const roles: InstitutionRole[] = ['institution_admin', 'doctor', 'nurse', 'administrative', 'auditor'];
    const firstA = await createTestUser(owner, { institution: true, roles: ['institution_admin'] });
    const iidA = firstA.institutionId ?? '';
    const membersA = [firstA];
    for (const role of roles.slice(1)) {
      membersA.push(await createTestUser(owner, { institution: iidA, roles: [role] }));
    }
    const memberB = await createTestUser(owner, {
      institution: true,
      roles: ['institution_admin', 'doctor', 'administrative'],
    });
    const iidB = memberB.institutionId ?? '';
    const sessions: Session[] = [];
    for (const [i, user] of [...membersA, memberB].entries()) {
      const { token } = await signInForToken(ward.url, user.username, user.password, { agent });
      sessions.push({ label: i < roles.length ? `${roles[i] ?? ''}@A` : 'member@B', token });
    }
    sessions.push({
      label: 'system admin',
      token: (await signInForToken(ward.url, 'admin', ADMIN_PASSWORD, { agent })).token,
    });
    const tokenOf = (label: string): string => sessions.find((s) => s.label === label)?.token ?? '';
    // The clerk may export and has just re-authenticated, so export parameters reach the database.
    const clerk = membersA[3];
    await owner
      .updateTable('ward.memberships')
      .set({ export_permission: true })
      .where('user_id', '=', clerk?.id ?? '')
      .execute();

    // Real records to aim at, made through the API before the counts are taken.
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<unknown> => {
      const json = body === undefined ? undefined : jsonBody(body);
      const answer = await request(ward.url, {
        method,
        path,
        headers: { ...bearer(token), ...json?.headers },
        ...(json === undefined ? {} : { body: json.body }),
        agent,
      });
      if (answer.status >= 300)
        throw new Error(`seeding ${method} ${path}: ${String(answer.status)} ${answer.text}`);
      return JSON.parse(answer.text) as unknown;
    };
    const patient = (n: number): Record<string, string> => ({
      identifierType: 'drill',
      identifierValue: `fuzz-${String(n)}`,
      familyName: 'Fuzz',
      givenNames: `Seed ${String(n)}`,
      birthDate: '1970-02-03',
      sex: 'unknown',
    });
    const seedRecords = async (iid: string, clerk: string, doctor: string, n: number) => {
      const base = `/api/institutions/${iid}/patients`;
      const pids = [
        idsIn(await call(clerk, 'POST', base, patient(n)))[0] ?? '',
        idsIn(await call(clerk, 'POST', base, patient(n + 1)))[0] ?? '',
      ];
      // A clinician with no care relationship states a reason first (break-glass), as in real use.
      const jid =
        idsIn(
          await call(doctor, 'POST', `${base}/${pids[0] ?? ''}/access`, { reason: 'patient_consultation' }),
        )[0] ?? '';
      const eid =
        idsIn(
          await call(doctor, 'POST', `${base}/${pids[0] ?? ''}/encounters`, {
            type: 'outpatient',
            reason: 'Drill',
          }),
        )[0] ?? '';
      const nid =
        idsIn(
          await call(doctor, 'POST', `${base}/${pids[0] ?? ''}/encounters/${eid}/notes`, {
            subjective: 's',
            objective: 'o',
            assessment: 'a',
            plan: 'p',
          }),
        )[0] ?? '';
      await call(doctor, 'POST', `${base}/${pids[0] ?? ''}/encounters/${eid}/diagnoses`, {
        code: 'J10',
        description: 'Influenza',
      });
      await call(doctor, 'POST', `${base}/${pids[0] ?? ''}/allergies`, {
        substance: 'Penicillin',
        severity: 'severe',
      });
      return { pids, eid, nid, jid };
    };
    const a = await seedRecords(iidA, tokenOf('administrative@A'), tokenOf('doctor@A'), 1);
    const b = await seedRecords(iidB, tokenOf('member@B'), tokenOf('member@B'), 100);
    await call(tokenOf('administrative@A'), 'POST', '/api/me/reauthenticate', { password: clerk?.password });
    const levels = idsIn(
      await call(tokenOf('institution_admin@A'), 'GET', `/api/institutions/${iidA}/security-levels`),
    );
    const sessionIds = idsIn(await call(tokenOf('doctor@A'), 'GET', '/api/me/sessions'));
    const ids: IdPool = {
      iid: [iidA, iidB],
      pid: [...a.pids, ...b.pids],
      eid: [a.eid, b.eid],
      nid: [a.nid, b.nid],
      jid: [a.jid, b.jid],
      uid: [...membersA, memberB].map((u) => u.id),
      levelId: levels,
      id: sessionIds,
    };

    const doc = JSON.parse((await request(ward.url, { path: '/api/docs', agent })).text) as Parameters<
      typeof operationsFrom
    >[0];
    const operations = operationsFrom(doc);

    const countRows = async (): Promise<Map<string, number>> => {
      const tables = await owner
        .selectFrom('information_schema.tables' as never)
        .select(sql<string>`table_name`.as('name'))
        .where(sql<boolean>`table_schema = 'ward' AND table_type = 'BASE TABLE'`)
        .execute();
      const counts = new Map<string, number>();
      for (const { name } of tables) {
        if (ACTIVITY_TABLES.has(name)) continue;
        const row = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(`ward.${name}`)}`.execute(
          owner,
        );
        counts.set(name, Number(row.rows[0]?.n ?? -1));
      }
      return counts;
    };
    const before = await countRows();

    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const badBodies: string[] = [];
    const acceptedWrites: string[] = [];
    const transportErrors: string[] = [];
    let cutUploads = 0;
    const fire = async (req: FuzzRequest): Promise<void> => {
      let answer: Answer;
      try {
        answer = await request(ward.url, {
          method: req.method,
          path: req.path,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          agent,
          timeoutMs: 30_000,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Ward answers 413 and closes as soon as it sees the length: the upload is cut short.
        if ((req.body?.length ?? 0) > BODY_LIMIT && /EPIPE|ECONNRESET|socket hang up/.test(message))
          cutUploads++;
        else transportErrors.push(`${describe(req)}: ${message}`);
        return;
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status >= 500) serverErrors.push(describe(req, answer));
      if (answer.status >= 400 && req.method !== 'HEAD' && !isErrorBody(answer.text))
        badBodies.push(describe(req, answer));
      if (req.mustBeRefused && answer.status < 400) acceptedWrites.push(describe(req, answer));
    };
    const inParallel = async (next: () => FuzzRequest | undefined): Promise<void> => {
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          for (let req = next(); req !== undefined; req = next()) await fire(req);
        }),
      );
    };

    const started = performance.now();
    // B's member aims at A's records in the sweep: nothing past the permission check.
    const sweep = sweepRequests(
      operations,
      sessions.filter((session) => session.label !== 'member@B'),
      ids,
    );
    let swept = 0;
    await inParallel(() => sweep[swept++]);
    const generator = requestGenerator(seededRandom(options.seed), operations, sessions, ids);
    let sent = 0;
    await inParallel(() => (sent++ < options.requests ? generator.next() : undefined));
    const seconds = (performance.now() - started) / 1000;

    // Requests Node itself refuses before Fastify sees them.
    const big = 'a'.repeat(20_000);
    const probes: [string, string, number, boolean][] = [
      ['headers over the limit', `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${big}\r\n\r\n`, 431, true],
      [
        'HEAD with headers over the limit',
        `HEAD /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${big}\r\n\r\n`,
        431,
        false,
      ],
      ['an unknown method', 'BREW /pot HTTP/1.1\r\nhost: x\r\n\r\n', 400, true],
      [
        'two content lengths',
        'POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n{}',
        400,
        true,
      ],
      ['a broken request line', 'GET /\x01 HTTP/9.9\r\n\r\n', 400, true],
    ];
    const probeLines: string[] = [];
    for (const [what, bytes, status, withBody] of probes) {
      const answer = await rawExchange(ward.url, bytes).catch((error: unknown) => ({
        status: 0,
        headers: '',
        body: error instanceof Error ? error.message : String(error),
      }));
      const ok = answer.status === status && (withBody ? isErrorBody(answer.body) : answer.body === '');
      probeLines.push(`  ${what}: ${String(answer.status)} ${answer.body.slice(0, 120)}`);
      findings.check(
        ok,
        `a raw request with ${what} got ${String(answer.status)} ${answer.body.slice(0, 120)}`,
      );
    }

    const health = await request(ward.url, { path: '/healthz', agent }).catch(() => undefined);
    const after = await countRows();
    const changed = [...before].filter(([table, n]) => after.get(table) !== n);

    findings.note(
      `${String(sweep.length)} sweep requests, then ${String(options.requests)} random ones (seed ${String(options.seed)}) over ${String(operations.length)} operations, ${String(options.concurrency)} in flight, in ${seconds.toFixed(1)} s; sessions: ${sessions.map((s) => s.label).join(', ')}`,
    );
    findings.note(
      `statuses: ${[...statuses]
        .sort(([x], [y]) => x - y)
        .map(([status, n]) => `${String(n)} × ${String(status)}`)
        .join(', ')}${cutUploads > 0 ? `; ${String(cutUploads)} over-limit uploads cut short by a 413` : ''}`,
    );
    findings.note(
      `row counts of ${String(before.size)} tables: ${changed.length === 0 ? 'unchanged' : 'CHANGED'}`,
    );
    for (const [table, n] of changed)
      findings.note(`  ward.${table}: ${String(n)} → ${String(after.get(table))}`);
    findings.note('raw requests that Node refuses before Fastify sees them:');
    for (const line of probeLines) findings.note(line);
    const list = (title: string, items: readonly string[]): void => {
      if (items.length === 0) return;
      findings.note(`${title} (${String(items.length)}):`);
      for (const item of items.slice(0, 20)) findings.note(`  ${item}`);
    };
    list('5xx answers', serverErrors);
    list('error bodies without {error: {code, message}}', badBodies);
    list('writes with a valid session that were not refused', acceptedWrites);
    list('requests without an HTTP answer', transportErrors);
    list(
      'errors Ward logged',
      ward.errors().map((line) => line.slice(0, 400)),
    );

    findings.check(serverErrors.length === 0, `${String(serverErrors.length)} answers were 5xx`);
    findings.check(badBodies.length === 0, `${String(badBodies.length)} error answers lacked the error body`);
    findings.check(
      acceptedWrites.length === 0,
      `${String(acceptedWrites.length)} broken writes were accepted`,
    );
    findings.check(transportErrors.length === 0, `${String(transportErrors.length)} requests got no answer`);
    findings.check(
      ward.alive() && health?.status === 200,
      'the Ward process is not alive and well afterwards',
    );
    findings.check(
      changed.length === 0,
      `row counts changed in ${changed.map(([t]) => `ward.${t}`).join(', ')}`,
    );
    return findings.result(
      'fuzz',
      `${String(sweep.length + options.requests)} requests: no 5xx, every error in Ward's shape, no broken write accepted, no table changed`,
    );
  } finally {
    agent.destroy();
    await owner.destroy();
    await ward.stop();
    await database.drop();
  }
}

runAsScript(import.meta, (argv) =>
  withDrillPostgres(() => {
    const base = argv.includes('--quick') ? FUZZ_QUICK : FUZZ_FULL;
    return runFuzzDrill({
      ...base,
      requests: numberOption(argv, 'requests', base.requests),
      seed: numberOption(argv, 'seed', base.seed),
    });
  }),
);

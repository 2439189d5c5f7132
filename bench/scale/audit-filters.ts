// The institution audit viewer's filters at scale: ~3,000,000 audit rows in one institution, then
// page latency through the real route (an auditor's bearer token) and the plan of the exact SQL the
// route runs, for each filter combination; and the cost of writing audit rows through AuditLog.
//
//   DATABASE_URL='postgres://postgres@localhost/postgres?host=/var/run/postgresql' \
//     node --import tsx bench/scale/audit-filters.ts all                 # load, measure, write cost, drop
//   ... bench/scale/audit-filters.ts load                                # leaves the database, prints its name
//   ... bench/scale/audit-filters.ts measure NAME [without-0011|with-0011]
//   ... bench/scale/audit-filters.ts writes NAME                         # 200,000 rows, without/with 0011 alternately
//   ... bench/scale/audit-filters.ts drop NAME
//
// AUDIT_ROWS (default 3,000,000), RUNS (default 50 requests per case), WRITE_ROWS (default 200,000).
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { AuditLog, auditKeyFrom, INSERTED_COLUMNS } from '../../server/src/audit/log.ts';
import { readInstitutionTrail, type TrailFilter } from '../../server/src/audit/trail-store.ts';
import { openDatabase } from '../../server/src/db/database.ts';
import type { Schema } from '../../server/src/db/schema.ts';
import { startWard as startServer } from '../../server/src/main.ts';
import { seedDemo } from '../../server/src/seed/seed.ts';
import { configFrom, tempDir, testServerUrl } from '../../server/test/harness.ts';
import { bearerToken, fmt, percentile, quietLog, withBenchPostgres } from '../support.ts';

const ROWS = Number(process.env.AUDIT_ROWS ?? 3_000_000);
const RUNS = Number(process.env.RUNS ?? 50);
const PASSWORD = 'lantern meadow quiet river stone';
const DAYS = 180;
const MIGRATIONS = path.join(import.meta.dirname, '../../server/src/db/migrations');

function dbUrl(name: string): string {
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  return u.toString();
}
const roleOf = (name: string): string => name.replace('ward_t_', 'ward_app_');

async function withOwner<T>(name: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl(name) });
  await c.connect();
  try {
    return await body(c);
  } finally {
    await c.end();
  }
}

async function startOn(name: string) {
  const dir = tempDir('ward-prof-');
  const config = configFrom(dir.path, {
    'server.port': '0',
    'data.dir': path.join(dir.path, 'data'),
    'database.url': dbUrl(name),
    'database.runtime.role': roleOf(name),
    'admin.password': 'correct horse battery staple for tests',
    'token.secret': 'a profiling token secret that is long enough to be a real one',
    'auth.2fa.password': 'a profiling two-factor password that is long enough',
    'log.level': 'silent',
  });
  const ward = await startServer(config, { logger: false, announce: () => undefined });
  return {
    ward,
    config,
    stop: async () => {
      await ward.stop();
      dir.remove();
    },
  };
}

// Who does what: the demo staff are members; 25 more actors (not members) share the rest. The
// clerk does the searches and the nurse none, so nurse + patient.search is two large sets that
// never meet.
const RARE: readonly [string, number][] = [
  ['export.patients', 60],
  ['admin.user.update', 120],
  ['access.justified', 150],
  ['settings.change', 30],
  ['admin.user.disable', 15],
];

async function load(): Promise<string> {
  const suffix = randomBytes(6).toString('hex');
  const name = `ward_t_${suffix}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  console.log(`database ${name}`);
  const { config, stop } = await startOn(name); // migrates and creates the runtime role
  await stop();
  const opened = await openDatabase(config, quietLog);
  const seeded = await seedDemo(opened.db, { patients: 20_000, demoPassword: PASSWORD });
  const audit = new AuditLog(opened.db, auditKeyFrom('a profiling token secret'));
  await withOwner(name, async (owner) => {
    const iid = seeded.institutionId;
    await owner.query(`UPDATE ward.memberships SET created_at = now() - interval '${DAYS + 10} days'`);
    const patients = (await owner.query<{ id: string }>('SELECT id FROM ward.patients')).rows.map(
      (r) => r.id,
    );
    const staff = Object.fromEntries(seeded.users.map((u) => [u.role, u]));
    const member = (role: string): { id: string; username: string } => {
      const u = staff[role];
      if (!u) throw new Error(`no demo ${role}`);
      return u;
    };
    const others = Array.from({ length: 25 }, (_, i) => ({ id: randomUUID(), username: `staff${i}` }));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
    const rareAt = new Map<number, string>();
    for (const [action, n] of RARE)
      for (let k = 0; k < n; k++) rareAt.set(Math.floor(Math.random() * ROWS), action);
    const start = Date.now() - DAYS * 86_400_000;
    const step = (DAYS * 86_400_000) / ROWS;
    const BATCH = 10_000;
    const started = performance.now();
    for (let done = 0; done < ROWS; done += BATCH) {
      const rows = [];
      const times: string[] = [];
      for (let i = done; i < Math.min(ROWS, done + BATCH); i++) {
        const r = Math.random();
        let actor: { id: string; username: string };
        let action: string;
        if (r < 0.3)
          [actor, action] = [member('doctor'), Math.random() < 0.9 ? 'patient.read' : 'clinical.read'];
        else if (r < 0.5)
          [actor, action] = [member('nurse'), Math.random() < 0.95 ? 'patient.read' : 'encounter.create'];
        else if (r < 0.6)
          [actor, action] = [
            member('administrative'),
            Math.random() < 0.5 ? 'patient.search' : 'patient.read',
          ];
        else if (r < 0.61) [actor, action] = [member('institution_admin'), 'patient.read'];
        else [actor, action] = [pick(others), Math.random() < 0.9 ? 'patient.read' : 'patient.search'];
        const rare = rareAt.get(i);
        if (rare)
          [actor, action] = [
            rare.startsWith('access') ? member('doctor') : member('institution_admin'),
            rare,
          ];
        const patientId =
          action === 'patient.search' ||
          action.startsWith('admin') ||
          action.startsWith('settings') ||
          action.startsWith('export')
            ? null
            : pick(patients);
        rows.push(
          audit.rowFor({
            action,
            outcome: 'success',
            institutionId: iid,
            actorId: actor.id,
            actorUsername: actor.username,
            targetType: patientId ? 'patient' : null,
            targetId: patientId,
            patientId,
            ip: '10.0.0.17',
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
          }),
        );
        times.push(new Date(start + i * step).toISOString());
      }
      await insert(owner, rows, times);
      if ((done / BATCH) % 50 === 0)
        console.log(`  ${done + rows.length} rows (${fmt((performance.now() - started) / 1000)} s)`);
    }
    // Members' account events: a sign-in a day each over the months, some failed, and sign-ins of
    // people who are no members here.
    const account: ReturnType<AuditLog['rowFor']>[] = [];
    const times: string[] = [];
    for (let d = 0; d < DAYS; d++) {
      for (const u of [...seeded.users, ...others.slice(0, 5)]) {
        for (const action of d % 20 === 0 ? ['auth.sign_in_failed', 'auth.sign_in'] : ['auth.sign_in']) {
          account.push(
            audit.rowFor({
              action,
              outcome: action === 'auth.sign_in' ? 'success' : 'failure',
              actorId: u.id,
              actorUsername: u.username,
              ip: '10.0.0.17',
            }),
          );
          times.push(new Date(start + d * 86_400_000 + 7 * 3_600_000).toISOString());
        }
      }
    }
    // In time order, so that ids grow with time as they do in a live trail.
    const order = times.map((t, i) => [t, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    await insert(
      owner,
      order.map(([, i]) => account[i]!),
      order.map(([t]) => t),
    );
    console.log(
      `inserted ${ROWS} + ${account.length} account events in ${fmt((performance.now() - started) / 1000)} s`,
    );
    await owner.query('VACUUM ANALYZE ward.audit_events');
  });
  await opened.close();
  return name;
}

type Row = ReturnType<AuditLog['rowFor']>;
async function insert(owner: pg.Client, rows: Row[], times: string[]): Promise<void> {
  const column = (k: keyof Row) => rows.map((r) => r[k]);
  await owner.query(
    `INSERT INTO ward.audit_events (event_id, institution_id, actor_id, actor_username, action, target_type,
       target_id, patient_id, outcome, ip, user_agent, reason, details, mac, occurred_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::timestamptz[])`,
    [...INSERTED_COLUMNS.map(column), times],
  );
}

/** The statements of migration 0011, if it exists, and the names of the indexes it creates. */
function migration0011(): { sql: string; indexes: string[] } | null {
  const file = readdirSync(MIGRATIONS).find((f) => f.startsWith('0011_'));
  if (!file) return null;
  const sql = readFileSync(path.join(MIGRATIONS, file), 'utf8');
  return { sql, indexes: [...sql.matchAll(/CREATE INDEX (\w+)/g)].map((m) => m[1]!) };
}

async function setIndexes(name: string, on: boolean): Promise<void> {
  const m = migration0011();
  if (!m) return;
  await withOwner(name, async (owner) => {
    const present = (
      await owner.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'ward' AND indexname = ANY($1)`,
        [m.indexes],
      )
    ).rows[0]?.n;
    if (on && Number(present) === 0)
      await owner.query(m.sql.replaceAll('DROP INDEX ward.', 'DROP INDEX IF EXISTS ward.'));
    if (!on) {
      for (const index of m.indexes) await owner.query(`DROP INDEX IF EXISTS ward.${index}`);
      // What 0011 replaced (0004).
      await owner.query(
        'CREATE INDEX IF NOT EXISTS audit_events_actor_idx ON ward.audit_events (institution_id, actor_id, occurred_at DESC)',
      );
    }
    await owner.query('ANALYZE ward.audit_events');
  });
}

async function measure(name: string, variant?: string): Promise<void> {
  const { ward, stop } = await startOn(name); // applies any pending migration first
  if (variant === 'without-0011') await setIndexes(name, false);
  if (variant === 'with-0011') await setIndexes(name, true);
  try {
    const users = await withOwner(name, (o) =>
      o.query<{ username: string; id: string; iid: string }>(
        `SELECT u.username, u.id, m.institution_id AS iid FROM ward.users u JOIN ward.memberships m ON m.user_id = u.id`,
      ),
    ).then((r) => r.rows);
    const by = (suffix: string) => users.find((u) => u.username.endsWith(suffix))!;
    const iid = by('.auditor').iid;
    const patient = await withOwner(name, (o) =>
      o.query<{ p: string }>(
        `SELECT patient_id AS p FROM ward.audit_events WHERE patient_id IS NOT NULL LIMIT 1`,
      ),
    ).then((r) => r.rows[0]!.p);
    const day = 86_400_000;
    const ago = (d: number) => new Date(Date.now() - d * day).toISOString();
    const cases: [string, TrailFilter][] = [
      ['no filter', {}],
      ['rare action (export.patients)', { action: 'export.patients' }],
      ['absent action (note.amend)', { action: 'note.amend' }],
      ['common action (patient.read)', { action: 'patient.read' }],
      ['user, heavy (nurse, 20%)', { actorId: by('.nurse').id }],
      ['user, light (admin, 1%)', { actorId: by('.admin').id }],
      ['patient', { patientId: patient }],
      ['time, a week 3 months ago', { from: new Date(ago(97)), to: new Date(ago(90)) }],
      ['time, 3 months ending 3 months ago', { from: new Date(ago(180)), to: new Date(ago(90)) }],
      [
        'rare action + a month',
        { action: 'admin.user.update', from: new Date(ago(120)), to: new Date(ago(90)) },
      ],
      [
        'common action + a week 3 months ago',
        { action: 'patient.read', from: new Date(ago(97)), to: new Date(ago(90)) },
      ],
      ['user + rare action', { actorId: by('.admin').id, action: 'admin.user.update' }],
      [
        'user + action never together (nurse, patient.search)',
        { actorId: by('.nurse').id, action: 'patient.search' },
      ],
      ['user + patient', { actorId: by('.doctor').id, patientId: patient }],
      ['sign-ins (member branch)', { action: 'auth.sign_in_failed' }],
    ];
    const token = await bearerToken(ward.url, by('.auditor').username, PASSWORD);
    const captured: CompiledQuery[] = [];
    const logged = new Kysely<Schema>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: dbUrl(name), max: 1 }) }),
      log: (event) => {
        captured.push(event.query);
      },
    });
    console.log(`\n${variant ?? 'as migrated'}: ${RUNS} sequential requests per case, limit 100`);
    const plans: string[] = [];
    for (const [label, filter] of cases) {
      const q = new URLSearchParams();
      if (filter.actorId) q.set('actor', filter.actorId);
      if (filter.patientId) q.set('patient', filter.patientId);
      if (filter.action) q.set('action', filter.action);
      if (filter.from) q.set('from', filter.from.toISOString());
      if (filter.to) q.set('to', filter.to.toISOString());
      const url = `${ward.url}/api/institutions/${iid}/audit?${q.toString()}`;
      const latencies: number[] = [];
      let items = 0;
      for (let i = 0; i < RUNS + 3; i++) {
        const t = performance.now();
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = (await response.json()) as { items: unknown[] };
        if (response.status !== 200) throw new Error(`${label}: ${response.status} ${JSON.stringify(body)}`);
        if (i >= 3) latencies.push(performance.now() - t);
        items = body.items.length;
      }
      captured.length = 0;
      await readInstitutionTrail(logged, iid, filter, 100);
      const query = captured.at(-1)!;
      const plan = await withOwner(name, (o) =>
        o.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, [...query.parameters]),
      ).then((r) => r.rows.map((row) => row['QUERY PLAN']));
      const exec = plan.find((l) => l.startsWith('Execution Time'));
      const buffers = plan.find((l) => l.includes('Buffers'))?.trim();
      console.log(
        `${label.padEnd(54)} ${String(items).padStart(3)} rows  p50 ${fmt(percentile(latencies, 50)).padStart(7)} ms  p95 ${fmt(percentile(latencies, 95)).padStart(7)} ms   (${exec}; ${buffers})`,
      );
      plans.push(`-- ${label}\n${plan.join('\n')}`);
    }
    await logged.destroy();
    if (process.env.PLANS) console.log(`\n${plans.join('\n\n')}`);
  } finally {
    await stop();
  }
}

async function writes(name: string): Promise<void> {
  const TOTAL = Number(process.env.WRITE_ROWS ?? 200_000);
  const { config, stop } = await startOn(name);
  await stop();
  const iid = randomUUID();
  await withOwner(name, (o) =>
    o.query(`INSERT INTO ward.institutions (id, name, time_zone) VALUES ($1, 'Writes', 'UTC')`, [iid]),
  );
  const opened = await openDatabase(config, quietLog);
  const audit = new AuditLog(opened.db, auditKeyFrom('a profiling token secret'));
  const actors = Array.from({ length: 20 }, () => randomUUID());
  const patients = Array.from({ length: 2_000 }, () => randomUUID());
  try {
    for (const variant of ['without-0011', 'with-0011', 'without-0011', 'with-0011']) {
      if (!migration0011() && variant === 'with-0011') continue;
      await setIndexes(name, variant === 'with-0011');
      let next = 0;
      const started = performance.now();
      // 50 concurrent writers, as 50 requests would be: AuditLog batches them into multi-row inserts.
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < TOTAL) {
            const i = next++;
            await audit.record({
              action: i % 1000 === 0 ? 'export.patients' : 'patient.read',
              outcome: 'success',
              institutionId: iid,
              actorId: actors[i % actors.length],
              actorUsername: 'writer',
              targetType: 'patient',
              targetId: patients[i % patients.length],
              patientId: patients[i % patients.length],
              ip: '10.0.0.17',
              userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
            });
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${variant.padEnd(13)} ${TOTAL} audit rows through AuditLog.record in ${fmt(seconds, 2)} s: ${fmt(TOTAL / seconds, 0)} rows/s`,
      );
    }
  } finally {
    await opened.close();
    await withOwner(name, (o) => o.query(`DELETE FROM ward.audit_events WHERE institution_id = $1`, [iid]));
  }
}

async function drop(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${roleOf(name)}`);
  } finally {
    await admin.end();
  }
  console.log(`dropped ${name}`);
}

const [command, name, variant] = process.argv.slice(2);
await withBenchPostgres(async () => {
  if (command === 'load') console.log(`loaded ${await load()}`);
  else if (command === 'measure' && name) await measure(name, variant);
  else if (command === 'writes' && name) await writes(name);
  else if (command === 'drop' && name) await drop(name);
  else if (command === 'all') {
    const loaded = await load();
    try {
      if (migration0011()) {
        for (const v of ['without-0011', 'with-0011', 'without-0011', 'with-0011']) await measure(loaded, v);
      } else await measure(loaded);
      await writes(loaded);
    } finally {
      await drop(loaded);
    }
  } else {
    console.error(
      'usage: audit-filters.ts all | load | measure NAME [without-0011|with-0011] | writes NAME | drop NAME',
    );
    process.exitCode = 2;
  }
});

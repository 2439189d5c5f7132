// Patient search latency through the real HTTP API (a doctor's bearer token, permission check,
// query, audit row) on an institution of a million synthetic patients. One query at a time, so the
// figures are latencies, not queueing. Target: p95 <= 20 ms for each kind of search.
//
//   npm run bench -- patient-search      (BENCH_PATIENTS=100000 for a quicker run)
import pg from 'pg';
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES } from '../server/src/seed/names.ts';
import { startWard } from '../server/test/harness.ts';
import { bearerToken, fmt, latencyLine, percentile, seedForBench, withBenchPostgres } from './support.ts';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const WARM_UP = 30;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const lower = (s: string): string => s.toLowerCase();
const withoutAccents = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '');

/** "garc", "rodri", "smi": what someone types before the list is short enough. */
function prefixQuery(): string {
  return lower(pick(FAMILY_NAMES)).slice(0, 3 + Math.floor(Math.random() * 3));
}

// Misspellings people make with these names: sound-alike letters, a letter dropped or doubled.
const SOUND_ALIKES: readonly [RegExp, string][] = [
  [/z/, 's'],
  [/s/, 'z'],
  [/c([ei])/, 's$1'],
  [/v/, 'b'],
  [/b/, 'v'],
  [/ll/, 'y'],
  [/h/, ''],
  [/ck/, 'k'],
  [/nn/, 'n'],
];

function misspell(name: string): string {
  const word = withoutAccents(lower(name));
  for (let attempt = 0; attempt < 10; attempt++) {
    const [pattern, replacement] = pick(SOUND_ALIKES);
    const sounded = word.replace(pattern, replacement);
    if (sounded !== word) return sounded;
  }
  const i = 1 + Math.floor(Math.random() * (word.length - 2));
  return Math.random() < 0.5
    ? word.slice(0, i) + word.slice(i + 1)
    : word.slice(0, i) + word.charAt(i) + word.slice(i);
}

/** A misspelt family name, sometimes followed by a (possibly misspelt) given name. */
function fuzzyQuery(): string {
  const family = misspell(pick(FAMILY_NAMES));
  if (Math.random() < 0.7) return family;
  const given = pick(Math.random() < 0.5 ? FEMALE_GIVEN_NAMES : MALE_GIVEN_NAMES);
  return `${family} ${Math.random() < 0.5 ? withoutAccents(lower(given)) : misspell(given)}`;
}

await withBenchPostgres(async () => {
  const ward = await startWard();
  try {
    console.log(`seeding ${PATIENTS} patients...`);
    const seeded = await seedForBench(ward, PATIENTS);
    console.log(`seeded ${PATIENTS} patients in ${fmt(seeded.seconds)} s`);
    const owner = new pg.Client({ connectionString: ward.database.url });
    await owner.connect();
    const identifiers = await owner
      .query<{ identifier_value: string }>(
        `SELECT identifier_value FROM ward.patients TABLESAMPLE SYSTEM (2) ORDER BY random() LIMIT ${QUERIES + WARM_UP}`,
      )
      .then((r) => r.rows.map((row) => row.identifier_value));
    await owner.end();
    const token = await bearerToken(ward.url, seeded.doctor.username, seeded.doctor.password);
    const base = `${ward.url}/api/institutions/${seeded.institutionId}/patients`;

    const get = async (url: string): Promise<number> => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { items?: unknown[] };
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      return body.items?.length ?? 1;
    };
    const total = QUERIES + WARM_UP;
    const kinds: { label: string; urls: string[] }[] = [
      // An authenticated request that searches nothing: the floor under every search.
      { label: 'GET /api/me', urls: Array.from({ length: total }, () => `${ward.url}/api/me`) },
      {
        label: 'prefix',
        urls: Array.from({ length: total }, () => `${base}?q=${encodeURIComponent(prefixQuery())}`),
      },
      {
        label: 'fuzzy',
        urls: Array.from({ length: total }, () => `${base}?q=${encodeURIComponent(fuzzyQuery())}&mode=fuzzy`),
      },
      { label: 'identifier', urls: identifiers.map((value) => `${base}?identifier=${value}`) },
    ];
    // Interleaved, one request at a time: a busy moment on a shared machine hits every kind alike.
    const latencies = kinds.map(() => [] as number[]);
    const found = kinds.map(() => 0);
    for (let i = 0; i < total; i++) {
      for (const [k, kind] of kinds.entries()) {
        const url = kind.urls[i];
        if (url === undefined) continue;
        const t = performance.now();
        const items = await get(url);
        if (i < WARM_UP) continue;
        latencies[k]?.push(performance.now() - t);
        if (items > 0) found[k] = (found[k] ?? 0) + 1;
      }
    }
    console.log(`\n${PATIENTS} patients in one institution, one request at a time, pages of 25`);
    const missed: string[] = [];
    for (const [k, kind] of kinds.entries()) {
      const ms = latencies[k] ?? [];
      const share = Math.round((100 * (found[k] ?? 0)) / Math.max(1, ms.length));
      console.log(
        `${kind.label.padEnd(12)}: ${latencyLine(ms)}  (${ms.length} requests, ${share} % found something)`,
      );
      if (k > 0 && percentile(ms, 95) > 20) missed.push(kind.label);
    }
    console.log(
      missed.length === 0
        ? 'target p95 <= 20 ms per search: met by all'
        : `target p95 <= 20 ms per search: MISSED by ${missed.join(', ')}`,
    );
  } finally {
    await ward.stop();
  }
});

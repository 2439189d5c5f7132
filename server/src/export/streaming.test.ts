import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { createInstitution } from '../identity/store.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { bearer } from '../../test/sign-in.ts';
import { ownerDb } from '../../test/users.ts';
import { stepUp } from '../auth/step-up/test-support.ts';
import { auditEventsOf, eventually, seedPatients, signedInExporter, type Exporter } from './test-support.ts';

// A large export over real HTTP: it streams (the first bytes leave before the last rows are read, and
// memory stays flat), one export at a time per user (a second one meanwhile gets 409; one abandoned
// half-way frees the way and is audited as incomplete).
//
// More patients than the 20,000 the memory check needs: as NDJSON they are about 20 MB, several
// times what the loopback socket buffers hold, so a client that stops reading holds the export up.
const PATIENTS = 50_000;

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let iid: string;
let doctor: Exporter;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  iid = (await createInstitution(db, { name: `Clinic ${randomBytes(4).toString('hex')}`, timeZone: 'UTC' }))
    .id;
  await seedPatients(db, iid, PATIENTS);
  doctor = await signedInExporter(app, db, iid, ['doctor']);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

/** How many patients the institution has now (a test may have registered one more). */
async function patientCount(): Promise<number> {
  const row = await db
    .selectFrom('ward.patients')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('institution_id', '=', iid)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Starts an export with Node's HTTP client and returns the response paused: nothing more is read
 * from the socket until the test reads, as with a slow client.
 */
function openExport(
  member: Exporter,
  format: 'csv' | 'ndjson',
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${ward.url}/api/institutions/${member.institutionId}/exports/patients?format=${format}`,
      { headers: bearer(member.token), ...(signal ? { signal } : {}) },
      (response) => {
        response.pause();
        resolve(response);
      },
    );
    // After an abort the request reports it; the promise has long been settled by then.
    request.on('error', reject);
  });
}

/** Reads the rest of a response, counting lines (without keeping them) and calling `onChunk` after each chunk. */
async function countLines(
  response: http.IncomingMessage,
  onChunk: (chunk: Buffer) => void = () => undefined,
): Promise<number> {
  let lines = 0;
  for await (const chunk of response) {
    const data = chunk as Buffer;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
    onChunk(data);
  }
  return lines;
}

async function bodyText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs `body` while a transaction of the test holds an exclusive lock on the patients table: an
 * export's next read of patients waits until `body` is done (and so do its response headers, which
 * leave with the first rows). Nothing else an export does needs the table.
 */
async function whilePatientsLocked(body: () => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE ward.patients IN ACCESS EXCLUSIVE MODE`.execute(trx);
    await body();
  });
}

/** Waits until `exports` queries of this database are waiting for the patients table's lock. */
async function waitingForPatients(exports: number): Promise<void> {
  await eventually(async () => {
    const { rows } = await sql<{ waiting: string }>`
      SELECT count(*) AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%ward%patients%'`.execute(
      db,
    );
    return Number(rows[0]?.waiting) >= exports ? true : undefined;
  }, 30_000);
}

// A regression that leaves an export waiting must fail here, not stall the whole run.
const LIMIT = { timeout: 180_000 };

describe('a large export', LIMIT, () => {
  test('streams: rows written after the first bytes arrived are still in it', async () => {
    await stepUp(app, doctor.token, doctor.user.password);
    const response = await openExport(doctor, 'ndjson');
    assert.equal(response.statusCode, 200);
    const first = await new Promise<Buffer>((resolve) => {
      response.once('data', (chunk: Buffer) => {
        response.pause();
        resolve(chunk);
      });
      response.resume();
    });
    assert.ok(first.length > 0, 'the first bytes have arrived');

    // A patient registered now sorts after every seeded one. Had Ward read all rows before sending,
    // it could not be in the export.
    const late = await app.inject({
      method: 'POST',
      url: `/api/institutions/${iid}/patients`,
      headers: bearer(doctor.token),
      payload: {
        identifierType: 'national_id',
        identifierValue: `LATE-${randomBytes(4).toString('hex')}`,
        familyName: 'Zz Late',
        givenNames: 'Arrival',
        birthDate: '2020-02-02',
        sex: 'unknown',
      },
    });
    assert.equal(late.statusCode, 201, late.body);
    const lateId = late.json<{ id: string }>().id;

    const text = first.toString('utf8') + (await bodyText(response));
    const ids = text
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.equal(ids.length, PATIENTS + 1);
    assert.equal(new Set(ids).size, ids.length, 'no patient twice');
    assert.equal(ids[ids.length - 1], lateId, 'the patient registered mid-export was exported, last');
  });

  test('of tens of thousands of patients does not grow the resident memory by more than 100 MB', async (t) => {
    await stepUp(app, doctor.token, doctor.user.password);
    const count = await patientCount();
    assert.ok(count >= 20_000);
    // A first export warms up what any export needs (code, connections, buffers).
    assert.equal(await countLines(await openExport(doctor, 'csv')), count + 1);
    for (const format of ['csv', 'ndjson'] as const) {
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const lines = await countLines(await openExport(doctor, format), () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      });
      assert.equal(lines, count + (format === 'csv' ? 1 : 0));
      const grownMb = (peak - baseline) / 2 ** 20;
      t.diagnostic(`${format}: ${count} patients, resident memory grew by ${grownMb.toFixed(1)} MB`);
      assert.ok(grownMb < 100, `${format}: resident memory grew by ${grownMb.toFixed(1)} MB`);
    }
  });
});

describe('one export at a time', LIMIT, () => {
  test('two at once by one user: one is refused with 409', async () => {
    const clerk = await signedInExporter(app, db, iid, ['administrative']);
    const [a, b] = await Promise.all([openExport(clerk, 'csv'), openExport(clerk, 'csv')]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
    const refused = a.statusCode === 409 ? a : b;
    assert.equal((JSON.parse(await bodyText(refused)) as { error: { code: string } }).error.code, 'conflict');
    await countLines(a.statusCode === 200 ? a : b);
  });

  test('while one is running, a second gets 409, another user is not held up, and abandoning the first frees the way', async () => {
    const clerk = await signedInExporter(app, db, iid, ['administrative']);
    await stepUp(app, doctor.token, doctor.user.password);
    const count = await patientCount();
    const abandon = new AbortController();
    let colleague: Promise<http.IncomingMessage> | undefined;
    // The first export is under way, waiting for its first rows, all the time the table is locked.
    await whilePatientsLocked(async () => {
      const first = openExport(clerk, 'ndjson', abandon.signal);
      first.catch(() => undefined);
      await waitingForPatients(1);
      const second = await openExport(clerk, 'csv');
      assert.equal(second.statusCode, 409);
      await bodyText(second);
      colleague = openExport(doctor, 'csv');
      await waitingForPatients(2);
      abandon.abort();
      await assert.rejects(first, { name: 'AbortError' });
    });
    assert.ok(colleague);
    const alongside = await colleague;
    assert.equal(alongside.statusCode, 200, "another user's export ran alongside");
    assert.equal(await countLines(alongside), count + 1);

    const third = await eventually(async () => {
      const response = await openExport(clerk, 'csv');
      if (response.statusCode === 200) return response;
      await bodyText(response);
      return undefined;
    });
    assert.equal(await countLines(third), count + 1);

    const events = await eventually(async () => {
      const all = await auditEventsOf(db, 'export.patients', clerk.user.id);
      return all.length === 2 ? all : undefined;
    });
    const [abandoned, finished] = events;
    assert.equal(abandoned?.outcome, 'failure');
    const details = abandoned.details as { format: string; completed: boolean; records: number };
    assert.equal(details.format, 'ndjson');
    assert.equal(details.completed, false);
    assert.ok(details.records < count, `an abandoned export counts what left: ${details.records}`);
    assert.equal(finished?.outcome, 'success');
    assert.equal((finished.details as { records: number }).records, count);
  });
});

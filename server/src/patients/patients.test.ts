import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';
import {
  createPatient,
  demographics,
  errorOf,
  signedInMember,
  type Member,
  type PatientJson,
} from './test-support.ts';

// Patients as a registrar and an attacker meet them: demographics stored and returned exactly as
// typed (whatever they contain), versioned updates that never overwrite someone else's edit, search
// by name, identifier and birth date with pages that stay stable while others write, and input
// that is refused with a 400 rather than reaching the database.

let ward: RunningWard;
let app: WardApp;
let db: Kysely<Schema>;
let registrar: Member;

before(async () => {
  ward = await startWard();
  app = ward.server.app;
  db = ownerDb(ward.database.url);
  registrar = await signedInMember(app, db, true, ['administrative']);
});

after(async () => {
  await db.destroy();
  await ward.stop();
});

function bodyOf(response: LightMyRequestResponse): PatientJson {
  return response.json<PatientJson>();
}

/** The patient's row as the database holds it. */
async function storedRow(patientId: string): Promise<Record<string, unknown>> {
  return db.selectFrom('ward.patients').selectAll().where('id', '=', patientId).executeTakeFirstOrThrow();
}

async function auditCount(action: string, patientId: string): Promise<number> {
  const rows = await db
    .selectFrom('ward.audit_events')
    .select('id')
    .where('action', '=', action)
    .where('patient_id', '=', patientId)
    .execute();
  return rows.length;
}

/** Follows `nextCursor` from the first page to the last; returns the pages' patient ids. */
async function allPages(
  member: Member,
  query: string,
  between?: (page: number) => Promise<void>,
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const url = `/patients?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await member.request('GET', url);
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json<{ items: PatientJson[]; nextCursor: string | null }>();
    pages.push(page.items.map((p) => p.id));
    cursor = page.nextCursor;
    if (between) await between(pages.length);
    assert.ok(pages.length < 50, 'pagination does not end');
  } while (cursor !== null);
  return pages;
}

async function searchIds(member: Member, query: string): Promise<string[]> {
  const response = await member.request('GET', `/patients?${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: PatientJson[] }>().items.map((p) => p.id);
}

describe('creating and reading a patient', () => {
  test('answers 201 with the patient and its version as ETag; reading it back gives the same', async () => {
    const input = demographics({ familyName: 'Okafor', givenNames: 'Chidi', phone: '+44 20 7946 0000' });
    const created = await registrar.request('POST', '/patients', { body: input });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.headers.etag, '"1"');
    const patient = bodyOf(created);
    assert.deepEqual(
      { ...patient, id: undefined, updatedAt: undefined },
      { ...input, email: null, address: null, version: 1, id: undefined, updatedAt: undefined },
    );
    const read = await registrar.request('GET', `/patients/${patient.id}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers.etag, '"1"');
    assert.deepEqual(
      { ...bodyOf(read), clinicalAccess: undefined },
      { ...patient, clinicalAccess: undefined },
    );
  });

  test('a second patient with the same identifier is a 409, and is not created', async () => {
    const first = await createPatient(registrar);
    const again = await registrar.request('POST', '/patients', {
      body: demographics({ identifierValue: first.identifierValue, familyName: 'Other' }),
    });
    assert.equal(again.statusCode, 409);
    assert.equal(errorOf(again), 'conflict');
    assert.deepEqual(await searchIds(registrar, `identifier=${first.identifierValue}`), [first.id]);
  });
});

describe('updating a patient', () => {
  test('with the version read (If-Match or "version") succeeds and moves the version on', async () => {
    const patient = await createPatient(registrar, { familyName: 'Versioned' });
    const byHeader = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: demographics({
        identifierValue: patient.identifierValue,
        familyName: 'Versioned',
        givenNames: 'Two',
      }),
      headers: { 'if-match': '"1"' },
    });
    assert.equal(byHeader.statusCode, 200, byHeader.body);
    assert.equal(byHeader.headers.etag, '"2"');
    assert.equal(bodyOf(byHeader).givenNames, 'Two');
    const byField = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: {
        ...demographics({ identifierValue: patient.identifierValue, givenNames: 'Three' }),
        version: 2,
      },
    });
    assert.equal(byField.statusCode, 200, byField.body);
    assert.equal(bodyOf(byField).version, 3);
    const weak = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: demographics({ identifierValue: patient.identifierValue, givenNames: 'Four' }),
      headers: { 'if-match': 'W/"3"' },
    });
    assert.equal(weak.statusCode, 200, weak.body);
    assert.equal(await auditCount('patient.update', patient.id), 3);
  });

  test('with a stale version is a 409 that changes nothing: not the row, not its version, not the trail', async () => {
    const patient = await createPatient(registrar, { familyName: 'Stale', givenNames: 'Original' });
    const first = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: demographics({
        identifierValue: patient.identifierValue,
        familyName: 'Stale',
        givenNames: 'First',
      }),
      headers: { 'if-match': '"1"' },
    });
    assert.equal(first.statusCode, 200);
    const rowBefore = await storedRow(patient.id);
    const auditBefore = await auditCount('patient.update', patient.id);

    const stale = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: demographics({
        identifierValue: patient.identifierValue,
        familyName: 'Stale',
        givenNames: 'Lost',
      }),
      headers: { 'if-match': '"1"' },
    });
    assert.equal(stale.statusCode, 409);
    const error = stale.json<{ error: { code: string; details: { currentVersion: number } } }>().error;
    assert.equal(error.code, 'version_conflict');
    assert.equal(error.details.currentVersion, 2);
    assert.deepEqual(await storedRow(patient.id), rowBefore);
    assert.equal((await storedRow(patient.id)).version, 2);
    assert.equal(await auditCount('patient.update', patient.id), auditBefore);
  });

  test('two editors holding the same version: exactly one wins, the other gets 409', async () => {
    const patient = await createPatient(registrar, { familyName: 'Race' });
    const edits = await Promise.all(
      ['Left', 'Right'].map((givenNames) =>
        registrar.request('PUT', `/patients/${patient.id}`, {
          body: demographics({ identifierValue: patient.identifierValue, familyName: 'Race', givenNames }),
          headers: { 'if-match': '"1"' },
        }),
      ),
    );
    assert.deepEqual(edits.map((r) => r.statusCode).sort(), [200, 409]);
    const winner = edits.find((r) => r.statusCode === 200);
    assert.equal((await storedRow(patient.id)).given_names, winner && bodyOf(winner).givenNames);
    assert.equal(await auditCount('patient.update', patient.id), 1);
  });

  test('without a usable version is 428 (400 for a bad "version" field), never 500; nothing changes', async () => {
    const patient = await createPatient(registrar);
    const rowBefore = await storedRow(patient.id);
    const body = demographics({ identifierValue: patient.identifierValue, givenNames: 'Blind' });
    const missing = await registrar.request('PUT', `/patients/${patient.id}`, { body });
    assert.equal(missing.statusCode, 428);
    assert.equal(errorOf(missing), 'precondition_required');
    for (const ifMatch of ['"abc"', '*', '""', '"-1"', '"1.5"', '"9999999999"']) {
      const response = await registrar.request('PUT', `/patients/${patient.id}`, {
        body,
        headers: { 'if-match': ifMatch },
      });
      assert.equal(response.statusCode, 428, ifMatch);
    }
    for (const version of [0, 1.5, 9_999_999_999, '1']) {
      const response = await registrar.request('PUT', `/patients/${patient.id}`, {
        body: { ...body, version },
      });
      assert.equal(response.statusCode, 400, String(version));
    }
    assert.deepEqual(await storedRow(patient.id), rowBefore);
  });

  test('of a patient that does not exist is a 404', async () => {
    const response = await registrar.request('PUT', '/patients/01900000-0000-7000-8000-000000000000', {
      body: demographics(),
      headers: { 'if-match': '"1"' },
    });
    assert.equal(response.statusCode, 404);
  });
});

describe('hostile text in patient fields', () => {
  const hostile = {
    familyName: "'; DROP TABLE ward.patients;--",
    givenNames: '<script>alert(1)</script>',
    address: '%_\\ 100% _literal_ C:\\path\\',
    email: '"><img src=x onerror=alert(1)>@example.org',
    phone: "1' OR '1'='1",
  };
  const unicode = {
    familyName: 'Nguyễn-Ørsted 李',
    givenNames: 'Zoë Ĳsbrand مريم 😀',
    address: 'Straße 1, 東京都, ‮reversed‬, zero​width',
  };

  test('is stored verbatim and returned verbatim, and harms nothing', async () => {
    for (const fields of [hostile, unicode]) {
      const input = demographics(fields);
      const created = await registrar.request('POST', '/patients', { body: input });
      assert.equal(created.statusCode, 201, created.body);
      const patient = bodyOf(created);
      for (const [key, value] of Object.entries(fields)) {
        assert.equal(patient[key as keyof PatientJson], value, key);
      }
      const read = bodyOf(await registrar.request('GET', `/patients/${patient.id}`));
      for (const [key, value] of Object.entries(fields))
        assert.equal(read[key as keyof PatientJson], value, key);
      const row = await storedRow(patient.id);
      assert.equal(row.family_name, fields.familyName);
      assert.equal(row.given_names, fields.givenNames);
      assert.equal(row.address, fields.address);
    }
    // The table is still there, with everyone in it.
    const { count } = await db
      .selectFrom('ward.patients')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    assert.ok(Number(count) >= 2);
  });

  test('can be searched for as typed', async () => {
    const patient = await createPatient(registrar, hostile);
    assert.ok((await searchIds(registrar, `q=${encodeURIComponent("'; drop table")}`)).includes(patient.id));
    const byUnicode = await createPatient(registrar, { familyName: 'Ñandú Ölçer', givenNames: 'Ana' });
    assert.ok((await searchIds(registrar, `q=${encodeURIComponent('ñandú ölçer')}`)).includes(byUnicode.id));
  });

  test('% and _ in a search match themselves, not any text', async () => {
    const marker = `Lit${String(Date.now() % 100_000)}`;
    const names = {
      percent: `${marker}%x`,
      notPercent: `${marker}ax`,
      underscore: `${marker}_y`,
      notUnderscore: `${marker}by`,
      backslash: `${marker}\\z`,
    };
    const ids: Record<string, string> = {};
    for (const [key, familyName] of Object.entries(names)) {
      ids[key] = (await createPatient(registrar, { familyName, givenNames: 'Literal' })).id;
    }
    const search = (q: string): Promise<string[]> =>
      searchIds(registrar, `q=${encodeURIComponent(q)}&limit=100`);
    assert.deepEqual(await search(`${marker}%`), [ids.percent]);
    assert.deepEqual(await search(`${marker}_`), [ids.underscore]);
    assert.deepEqual(await search(`${marker}\\`), [ids.backslash]);
    assert.equal((await search(marker)).length, 5);
  });
});

describe('searching', () => {
  // An institution of its own, so that only these patients can match.
  let clerk: Member;
  const ids = new Map<string, string>();
  const id = (name: string): string => {
    const found = ids.get(name);
    assert.ok(found, name);
    return found;
  };

  before(async () => {
    clerk = await signedInMember(app, db, true, ['administrative']);
    const people = {
      kowalczyk: { familyName: 'Kowalczyk', givenNames: 'Anna', birthDate: '1990-02-28' },
      kowalski: { familyName: 'Kowalski', givenNames: 'Jan', birthDate: '1990-02-28' },
      hernandez: { familyName: 'Hernandez', givenNames: 'Lucia', birthDate: '1990-03-01' },
      perez: { familyName: 'Perez', givenNames: 'Tomas', birthDate: '1975-11-30' },
      // A nickname typed with its bracket left open: regular-expression syntax, in a name.
      dabrowska: { familyName: 'Dąbrowska', givenNames: 'Zofia (Zosia', birthDate: '1960-06-06' },
      okonkwo: {
        familyName: 'Okonkwo',
        givenNames: 'Ngozi',
        identifierType: 'passport',
        identifierValue: 'X1234567',
      },
    };
    for (const [key, fields] of Object.entries(people)) ids.set(key, (await createPatient(clerk, fields)).id);
  });

  test('by name prefix, ignoring case: family name first, then given names', async () => {
    assert.deepEqual(await searchIds(clerk, 'q=kowal'), [id('kowalczyk'), id('kowalski')]);
    assert.deepEqual(await searchIds(clerk, 'q=KOWALS'), [id('kowalski')]);
    assert.deepEqual(await searchIds(clerk, `q=${encodeURIComponent('kowalczyk an')}`), [id('kowalczyk')]);
    assert.deepEqual(await searchIds(clerk, 'q=owal'), [], 'a prefix search does not match inside names');
  });

  test('fuzzy: a one-letter misspelling still finds the patient', async () => {
    assert.deepEqual(await searchIds(clerk, 'q=hernandes'), [], 'not as a prefix');
    assert.ok((await searchIds(clerk, 'q=hernandes&mode=fuzzy')).includes(id('hernandez')));
    assert.ok((await searchIds(clerk, 'q=kowalsky&mode=fuzzy')).includes(id('kowalski')));
    assert.ok((await searchIds(clerk, 'q=peres&mode=fuzzy')).includes(id('perez')));
    assert.ok(!(await searchIds(clerk, 'q=peres&mode=fuzzy')).includes(id('okonkwo')));
  });

  test('fuzzy: every word counts, misspelt or not, and punctuation in a word is literal', async () => {
    const fuzzy = (q: string): Promise<string[]> => searchIds(clerk, `q=${encodeURIComponent(q)}&mode=fuzzy`);
    assert.deepEqual(await fuzzy('kowalsky jan'), [id('kowalski')]);
    assert.deepEqual(await fuzzy('kowalsky lucia'), []);
    assert.deepEqual(await fuzzy('hernandes lusia'), [id('hernandez')]);
    assert.deepEqual(await fuzzy('dabrowska (zosia'), [id('dabrowska')]);
  });

  test('by identifier: exact value only, optionally of one type', async () => {
    assert.deepEqual(await searchIds(clerk, 'identifier=X1234567'), [id('okonkwo')]);
    assert.deepEqual(await searchIds(clerk, 'identifier=X1234567&identifierType=passport'), [id('okonkwo')]);
    assert.deepEqual(await searchIds(clerk, 'identifier=X1234567&identifierType=national_id'), []);
    assert.deepEqual(await searchIds(clerk, 'identifier=X123456'), []);
    assert.deepEqual(await searchIds(clerk, 'identifier=x1234567'), []);
  });

  test('by birth date', async () => {
    assert.deepEqual(await searchIds(clerk, 'birthDate=1990-02-28'), [id('kowalczyk'), id('kowalski')]);
    assert.deepEqual(await searchIds(clerk, 'birthDate=1990-03-01'), [id('hernandez')]);
    assert.deepEqual(await searchIds(clerk, 'birthDate=1990-01-01'), []);
  });

  test('with nothing to search by is a 400', async () => {
    const response = await clerk.request('GET', '/patients');
    assert.equal(response.statusCode, 400);
  });
});

describe('search pages', () => {
  let clerk: Member;
  let expected: string[];

  before(async () => {
    clerk = await signedInMember(app, db, true, ['administrative']);
    // Thirty namesakes, ten to a given name: ties are broken by id.
    const given = ['Ana', 'Bea', 'Carla'];
    const made = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const givenNames = given[i % 3] ?? 'Ana';
        const patient = await createPatient(clerk, {
          familyName: 'Paginado',
          givenNames,
          birthDate: '2001-01-01',
        });
        return { id: patient.id, givenNames };
      }),
    );
    expected = made
      .sort((a, b) =>
        a.givenNames === b.givenNames ? (a.id < b.id ? -1 : 1) : a.givenNames < b.givenNames ? -1 : 1,
      )
      .map((p) => p.id);
  });

  test('30 namesakes paged 7 at a time come back all, exactly once, in order', async () => {
    const pages = await allPages(clerk, 'q=paginado&limit=7');
    assert.deepEqual(
      pages.map((p) => p.length),
      [7, 7, 7, 7, 2],
    );
    assert.deepEqual(pages.flat(), expected);
  });

  test('paging by birth date works the same way', async () => {
    const pages = await allPages(clerk, 'birthDate=2001-01-01&limit=7');
    assert.deepEqual(pages.flat(), expected);
  });

  test('a patient added between page fetches neither duplicates nor skips the rows already paged', async () => {
    let early = '';
    let late = '';
    const pages = await allPages(clerk, 'q=paginado&limit=7', async (page) => {
      if (page !== 1) return;
      // One sorts before the cursor (already paged past), one after it.
      early = (
        await createPatient(clerk, { familyName: 'Paginado', givenNames: 'Aaron', birthDate: '2002-02-02' })
      ).id;
      late = (
        await createPatient(clerk, { familyName: 'Paginado', givenNames: 'Zoe', birthDate: '2002-02-02' })
      ).id;
    });
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'no patient twice');
    assert.deepEqual(seen, [...expected, late]);
    assert.ok(!seen.includes(early));
  });

  test('fuzzy results page too, without repeats', async () => {
    const pages = await allPages(clerk, 'q=paginada&mode=fuzzy&limit=7');
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(expected.every((id) => seen.includes(id)));
  });
});

describe('malformed requests are 400, never 500', () => {
  function cursorOf(value: unknown): string {
    return encodeURIComponent(Buffer.from(JSON.stringify(value)).toString('base64url'));
  }

  test('a bad uuid in the path', async () => {
    for (const url of ['/patients/not-a-uuid', '/patients/1', "/patients/'%20OR%201=1--"]) {
      const response = await registrar.request('GET', url);
      assert.equal(response.statusCode, 400, url);
      assert.equal(errorOf(response), 'validation_failed');
    }
  });

  test('an institution id that is no uuid is a 404, like any institution one is not a member of', async () => {
    const response = await registrar.request('GET', '/api/institutions/not-a-uuid/patients?q=a');
    assert.equal(response.statusCode, 404);
    assert.equal(errorOf(response), 'not_found');
  });

  test('an unknown body field, on create and on update; nothing is written', async () => {
    const input = { ...demographics(), isVip: true };
    const create = await registrar.request('POST', '/patients', { body: input });
    assert.equal(create.statusCode, 400);
    assert.deepEqual(await searchIds(registrar, `identifier=${input.identifierValue}`), []);
    const patient = await createPatient(registrar);
    const update = await registrar.request('PUT', `/patients/${patient.id}`, {
      body: { ...demographics({ identifierValue: patient.identifierValue }), version: 1, institutionId: 'x' },
    });
    assert.equal(update.statusCode, 400);
    assert.equal((await storedRow(patient.id)).version, 1);
  });

  test('fields the database could not store: NUL characters, blank names, impossible dates', async () => {
    for (const fields of [
      { familyName: 'a\u0000b' },
      { address: 'a\u0000b' },
      { familyName: '   ' },
      { birthDate: '1990-02-30' },
      { birthDate: '0000-01-01' },
      { birthDate: '2999-01-01' },
      { sex: 'x' },
      { familyName: 'x'.repeat(201) },
    ]) {
      const response = await registrar.request('POST', '/patients', {
        body: { ...demographics(), ...fields },
      });
      assert.equal(response.statusCode, 400, JSON.stringify(fields));
    }
  });

  test('bad search parameters', async () => {
    for (const query of [
      'q=a&unknown=1',
      'q=a&limit=0',
      'q=a&limit=101',
      'q=a&limit=abc',
      'q=a&limit=7.5',
      'q=a&mode=regex',
      'q=%00',
      'q=%20%20',
      'birthDate=yesterday',
      'birthDate=0000-01-01',
    ]) {
      const response = await registrar.request('GET', `/patients?${query}`);
      assert.equal(response.statusCode, 400, query);
    }
    assert.equal((await registrar.request('GET', '/patients?q=a&limit=100')).statusCode, 200);
  });

  test('cursors this server did not issue', async () => {
    const someId = (await createPatient(registrar)).id;
    const cursors = [
      '!!!',
      'bm90IGpzb24',
      cursorOf('a string'),
      cursorOf({ name: 'a' }),
      cursorOf({ name: 'a', id: 'not-a-uuid' }),
      cursorOf({ name: 'a', id: "1' OR '1'='1" }),
      cursorOf({ name: 'a\u0000', id: someId }),
      cursorOf({ name: 7, id: someId }),
      cursorOf({ offset: 5 }),
    ];
    for (const cursor of cursors) {
      for (const query of [`q=a&cursor=${cursor}`, `birthDate=1980-05-17&cursor=${cursor}`]) {
        const response = await registrar.request('GET', `/patients?${query}`);
        assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
        assert.equal(errorOf(response), 'bad_request');
      }
    }
    for (const cursor of [
      cursorOf({ offset: -1 }),
      cursorOf({ offset: 1.5 }),
      cursorOf({ offset: 1e9 }),
      cursorOf({ name: 'a', id: someId }),
    ]) {
      const response = await registrar.request('GET', `/patients?q=a&mode=fuzzy&cursor=${cursor}`);
      assert.equal(response.statusCode, 400, response.body);
    }
  });
});

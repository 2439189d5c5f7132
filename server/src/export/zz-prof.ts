import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createInstitution } from '../identity/store.ts';
import { seedPatients, signedInExporter } from './test-support.ts';
import { startWard } from '../../test/harness.ts';
import { ownerDb } from '../../test/users.ts';
process.env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ward = await startWard();
const db = ownerDb(ward.database.url);
try {
  const iid = (await createInstitution(db, { name: `C ${randomBytes(4).toString('hex')}`, timeZone: 'UTC' }))
    .id;
  await seedPatients(db, iid, Number(process.env.N ?? 50000));
  await sql`ANALYZE ward.patients`.execute(db);
  const doc = await signedInExporter(ward.server.app, db, iid, ['doctor']);
  for (const format of ['ndjson', 'csv']) {
    const t = performance.now();
    const r = await fetch(`${ward.url}/api/institutions/${iid}/exports/patients?format=${format}`, {
      headers: { authorization: `Bearer ${doc.token}` },
    });
    const body = await r.arrayBuffer();
    console.log(format, r.status, body.byteLength, (performance.now() - t).toFixed(0), 'ms');
  }
} finally {
  await db.destroy();
  await ward.stop();
}

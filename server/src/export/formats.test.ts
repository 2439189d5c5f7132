import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  csvField,
  csvLine,
  fhirPatient,
  fhirPatientLine,
  patientCsvLine,
  patientCsvValues,
  type ExportPatient,
} from './formats.ts';
import { neutralised, parseCsv } from './test-support.ts';

// The export formats on their own: the fast line writers say exactly what the readable definitions
// say, whatever a patient's fields hold, and CSV fields come back as they went in, defused.

const AWKWARD = [
  '',
  ' ',
  'Plain',
  'García López',
  'O"Neil, Jr.',
  'line\nbreak',
  'carriage\r\nreturn',
  ' leading',
  'trailing ',
  '\tTabbed',
  '=1+2',
  '+34 600 000 000',
  '-5',
  '@SUM(A1)',
  'back\\slash',
  'quote " inside',
  '\u0000\u001f control',
  'emoji 🩺 and \u2028 separator',
  'lone \ud800 surrogate',
  '\u00a0non-breaking',
  'Ana  María   José',
];

function patient(i: number): ExportPatient {
  const pick = (offset: number): string => AWKWARD[(i + offset) % AWKWARD.length] ?? '';
  const optional = (offset: number): string | null => ((i + offset) % 4 === 0 ? null : pick(offset));
  return {
    id: `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`,
    identifierType: pick(1) || 'national_id',
    identifierValue: pick(2) || 'X',
    familyName: pick(3) || 'F',
    givenNames: pick(4) || 'G',
    birthDate: '1980-02-29',
    sex: (['female', 'male', 'other', 'unknown'] as const)[i % 4] ?? 'unknown',
    phone: optional(5),
    email: optional(6),
    address: optional(7),
    version: 1 + (i % 3),
    lastUpdated: '2026-03-29T01:59:59.999Z',
  };
}

const PATIENTS = Array.from({ length: AWKWARD.length * 4 }, (_, i) => patient(i));

describe('NDJSON', () => {
  test('each line is JSON.stringify of the FHIR Patient resource, whatever the fields hold', () => {
    for (const p of PATIENTS) {
      const line = fhirPatientLine(p);
      assert.equal(line, `${JSON.stringify(fhirPatient(p))}\n`, JSON.stringify(p));
      assert.ok(!line.slice(0, -1).includes('\n'), 'one resource, one line');
    }
  });

  test('names are split into given names, and empty telecom and address are left out', () => {
    const resource = JSON.parse(
      fhirPatientLine({ ...patient(0), givenNames: ' Ana  María ', phone: '', email: null, address: '' }),
    ) as Record<string, unknown>;
    assert.deepEqual(resource.name, [
      { use: 'official', family: patient(0).familyName, given: ['Ana', 'María'] },
    ]);
    assert.equal('telecom' in resource, false);
    assert.equal('address' in resource, false);
  });
});

describe('CSV', () => {
  test('a patient line is the generic line of its values', () => {
    for (const p of PATIENTS) assert.equal(patientCsvLine(p), csvLine(patientCsvValues(p)));
  });

  test('every field reads back as it was written, with formula characters defused', () => {
    const record = parseCsv(csvLine(AWKWARD));
    assert.deepEqual(record, [AWKWARD.map(neutralised)]);
    for (const field of record[0] ?? []) assert.doesNotMatch(field, /^[=+\-@\t\r]/);
  });

  test('fields are quoted only when they must be', () => {
    assert.equal(csvField('Plain text'), 'Plain text');
    assert.equal(csvField(null), '');
    assert.equal(csvField(3), '3');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField(' padded '), '" padded "');
    assert.equal(csvField('=cmd|calc'), "'=cmd|calc");
    assert.equal(csvField('-1'), "'-1");
    assert.equal(csvField('\tx'), "'\tx");
  });
});

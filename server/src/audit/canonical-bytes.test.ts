// The MAC and the chain cover exact bytes. macContent and chainHash build them directly for speed;
// these bytes must stay those of the canonical JSON they stand for, or every trail written before
// would stop verifying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chainHash, type ChainEvent } from './chain.ts';
import { auditKeyFrom, canonicalJson, macContent, type StoredEventFields } from './log.ts';

const events: StoredEventFields[] = [
  {
    event_id: '01a20000-0000-7000-8000-000000000001',
    institution_id: null,
    actor_id: null,
    actor_username: null,
    action: 'auth.sign_in',
    target_type: null,
    target_id: null,
    patient_id: null,
    outcome: 'failure',
    ip: '::1',
    user_agent: null,
    reason: null,
    details: {},
  },
  {
    event_id: '01a20000-0000-7000-8000-000000000002',
    institution_id: '01a20000-0000-7000-8000-0000000000aa',
    actor_id: '01a20000-0000-7000-8000-0000000000bb',
    actor_username: 'josé.núñez',
    action: 'patient.search',
    target_type: 'patient',
    target_id: 'x"y\\z',
    patient_id: '01a20000-0000-7000-8000-0000000000cc',
    outcome: 'success',
    ip: '10.0.0.1',
    user_agent: 'tab\there, newline\n, quote " and control \u0001 \u2028 emoji 🩺',
    reason: 'emergency',
    details: {
      zeta: [1, 'two', null, { b: 2, a: 1 }],
      alpha: 'A',
      nested: { y: true, x: 1.5 },
      skipped: undefined,
    },
  },
  {
    event_id: '01a20000-0000-7000-8000-000000000003',
    institution_id: '01a20000-0000-7000-8000-0000000000aa',
    actor_id: null,
    actor_username: 'admin',
    action: 'settings.change',
    target_type: 'institution',
    target_id: '01a20000-0000-7000-8000-0000000000aa',
    patient_id: null,
    outcome: 'denied',
    ip: null,
    user_agent: '',
    reason: '',
    details: null,
  },
];

const generic = (e: StoredEventFields): string =>
  canonicalJson([
    e.event_id,
    e.institution_id,
    e.actor_id,
    e.actor_username,
    e.action,
    e.target_type,
    e.target_id,
    e.patient_id,
    e.outcome,
    e.ip,
    e.user_agent,
    e.reason,
    e.details ?? {},
  ]);

test('macContent gives the bytes of the canonical JSON array of the fields', () => {
  for (const event of events) assert.equal(macContent(event), generic(event));
});

test('canonicalJson sorts keys at every level and drops undefined values', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: undefined, c: [{ f: 1, e: 2 }] } }),
    '{"a":{"c":[{"e":2,"f":1}]},"b":1}',
  );
  assert.equal(canonicalJson({}), '{}');
  assert.equal(canonicalJson({ only: undefined }), '{}');
});

test('a chain link is the HMAC of the previous link and the canonical JSON of the sealed row', () => {
  const key = auditKeyFrom('a token secret used only by this test, long enough');
  const previous = Buffer.alloc(32, 7);
  for (const [i, fields] of events.entries()) {
    const event: ChainEvent = {
      ...fields,
      id: String(1000 + i),
      occurred_us: '1795000000123456',
      mac: 'k.mac',
    };
    const expected = createHmac('sha256', key.key)
      .update(previous)
      .update(canonicalJson([String(i + 1), event.id, event.occurred_us, generic(event), event.mac]))
      .digest();
    assert.deepEqual(chainHash(key, previous, String(i + 1), event), expected);
  }
});

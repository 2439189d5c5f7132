import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import argon2 from 'argon2';
import { ARGON2_PARAMS, dummyVerify, HASH_SLOTS, hashPassword, needsRehash, verifyPassword } from './hash.ts';

/** The parts of a PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. */
function parsePhc(phc: string): { id: string; version: string; params: Map<string, string>; salt: string } {
  const [empty, id, version, params, salt, hash] = phc.split('$');
  assert.equal(empty, '');
  assert.ok(id && version && params && salt && hash, `not a PHC string: ${phc}`);
  const pairs = params.split(',').map((pair) => pair.split('=') as [string, string]);
  return { id, version, params: new Map(pairs), salt };
}

async function timeOf(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

void describe('hashPassword', () => {
  void test('makes an argon2id PHC string with m=19456, t=2, p=1 and a random salt', async () => {
    const first = parsePhc(await hashPassword('violet tractor swims'));
    const second = parsePhc(await hashPassword('violet tractor swims'));

    assert.equal(first.id, 'argon2id');
    assert.equal(first.version, 'v=19');
    assert.equal(first.params.get('m'), '19456');
    assert.equal(first.params.get('t'), '2');
    assert.equal(first.params.get('p'), '1');
    assert.deepEqual(
      { m: ARGON2_PARAMS.memoryCost, t: ARGON2_PARAMS.timeCost, p: ARGON2_PARAMS.parallelism },
      { m: 19456, t: 2, p: 1 },
    );
    assert.notEqual(first.salt, second.salt);
  });
});

void describe('verifyPassword', () => {
  void test('accepts the password that was hashed and rejects any other', async () => {
    const hash = await hashPassword('violet tractor swims');

    assert.equal(await verifyPassword(hash, 'violet tractor swims'), true);
    assert.equal(await verifyPassword(hash, 'Violet tractor swims'), false);
    assert.equal(await verifyPassword(hash, 'violet tractor swims '), false);
    assert.equal(await verifyPassword(hash, ''), false);
  });

  void test('treats composed and decomposed accents as the same password (NFKC)', async () => {
    const composed = 'caf\u00e9 con leche';
    const decomposed = 'cafe\u0301 con leche';
    assert.notEqual(composed, decomposed);

    assert.equal(await verifyPassword(await hashPassword(composed), decomposed), true);
    assert.equal(await verifyPassword(await hashPassword(decomposed), composed), true);
    // Compatibility forms too: full-width digits are the digits a phone keyboard may send.
    assert.equal(await verifyPassword(await hashPassword('tractor １２３'), 'tractor 123'), true);
  });

  void test('still verifies hashes made with older parameters', async () => {
    const old = await argon2.hash('violet tractor swims', {
      type: argon2.argon2i,
      memoryCost: 4096,
      timeCost: 3,
    });

    assert.equal(await verifyPassword(old, 'violet tractor swims'), true);
    assert.equal(await verifyPassword(old, 'violet tractor swam'), false);
  });

  void test('throws on a stored value that is not a hash, rather than calling it a wrong password', async () => {
    await assert.rejects(verifyPassword('not a hash', 'violet tractor swims'));
  });
});

void describe('needsRehash', () => {
  void test('is false for a hash made with the current parameters', async () => {
    assert.equal(needsRehash(await hashPassword('violet tractor swims')), false);
  });

  void test('is true for weaker parameters, another argon2 variant, or something that is not argon2', async () => {
    const password = 'violet tractor swims';
    const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;

    assert.equal(needsRehash(await argon2.hash(password, { ...ARGON2_PARAMS, memoryCost: 4096 })), true);
    assert.equal(needsRehash(await argon2.hash(password, { ...ARGON2_PARAMS, timeCost: 1 })), true);
    assert.equal(needsRehash(await argon2.hash(password, { ...ARGON2_PARAMS, parallelism: 2 })), true);
    assert.equal(
      needsRehash(await argon2.hash(password, { type: argon2.argon2i, memoryCost, timeCost, parallelism })),
      true,
    );
    assert.equal(needsRehash('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'), true);
  });
});

void describe('dummyVerify', () => {
  void test('answers false for any password', async () => {
    assert.equal(await dummyVerify('violet tractor swims'), false);
    assert.equal(await dummyVerify(''), false);
    assert.equal(await dummyVerify('password'), false);
  });

  void test('takes about as long as a real verification, so a missing user name does not show', async () => {
    const hash = await hashPassword('violet tractor swims');
    const real: number[] = [];
    const dummy: number[] = [];
    for (let round = 0; round < 3; round++) {
      real.push(await timeOf(() => verifyPassword(hash, 'a wrong guess')));
      dummy.push(await timeOf(() => dummyVerify('a wrong guess')));
    }
    // A coarse bound, far from the true ratio of about 1: it only catches a dummy that skips the work.
    assert.ok(
      Math.min(...dummy) > Math.min(...real) / 4,
      `dummy ${dummy.join(', ')} ms vs real ${real.join(', ')} ms`,
    );
  });
});

void describe('hashes under load', () => {
  void test('a burst of verifications gets every answer right and leaves libuv a thread for other work', async () => {
    const hash = await hashPassword('violet tractor swims');
    let finished = 0;
    const burst = Array.from({ length: 4 * HASH_SLOTS + 4 }, (_, i) =>
      verifyPassword(hash, i % 2 === 0 ? 'violet tractor swims' : `wrong ${i}`).then((ok) => {
        finished++;
        return ok;
      }),
    );
    // Reading a file takes libuv's threads too (open, stat, read, close). Were every thread of the
    // pool given to the burst, the read would wait for all but the last few hashes to end.
    await readFile(new URL(import.meta.url));
    const finishedBeforeRead = finished;
    const answers = await Promise.all(burst);

    assert.ok(HASH_SLOTS >= 1 && HASH_SLOTS <= 3, `HASH_SLOTS ${HASH_SLOTS}`);
    assert.ok(
      finishedBeforeRead <= HASH_SLOTS,
      `${finishedBeforeRead} hashes ended before a file read could (at most ${HASH_SLOTS} run at once)`,
    );
    assert.deepEqual(
      answers,
      answers.map((_, i) => i % 2 === 0),
    );
  });
});

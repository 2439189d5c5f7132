import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Coalescer } from './coalesce.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Coalescer', () => {
  test('a lone call is sent on its own, without waiting for company', async () => {
    const batches: number[][] = [];
    const doubler = new Coalescer(async (items: readonly number[]) => {
      batches.push([...items]);
      return items.map((n) => ({ status: 'fulfilled' as const, value: n * 2 }));
    });
    assert.equal(await doubler.submit(21), 42);
    assert.deepEqual(batches, [[21]]);
  });

  test('calls made while batches are in flight leave together, each with its own answer', async () => {
    const gate = deferred();
    const batches: number[][] = [];
    const doubler = new Coalescer(
      async (items: readonly number[]) => {
        batches.push([...items]);
        await gate.promise;
        return items.map((n) => ({ status: 'fulfilled' as const, value: n * 2 }));
      },
      { maxInFlight: 1 },
    );
    const first = doubler.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4, 5].map((n) => doubler.submit(n));
    gate.resolve();
    assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8, 10]);
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
  });

  test('batches are no larger than maxBatch', async () => {
    const sizes: number[] = [];
    const echo = new Coalescer(
      async (items: readonly number[]) => {
        sizes.push(items.length);
        return items.map((n) => ({ status: 'fulfilled' as const, value: n }));
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => echo.submit(i)));
    assert.deepEqual(answers, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(sizes.every((n) => n <= 3));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      10,
    );
  });

  test('an item the batch refuses fails only its own caller', async () => {
    const checker = new Coalescer(async (items: readonly number[]) =>
      items.map((n) =>
        n < 0
          ? { status: 'rejected' as const, reason: new Error(`${n} is negative`) }
          : { status: 'fulfilled' as const, value: n },
      ),
    );
    const outcomes = await Promise.allSettled([checker.submit(1), checker.submit(-1), checker.submit(2)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  test('a batch that fails as a whole fails every caller in it, and the next batch still runs', async () => {
    let down = true;
    const flaky = new Coalescer(async (items: readonly number[]) => {
      if (down) throw new Error('database unavailable');
      return items.map((n) => ({ status: 'fulfilled' as const, value: n }));
    });
    const failed = await Promise.allSettled([flaky.submit(1), flaky.submit(2)]);
    assert.ok(failed.every((o) => o.status === 'rejected'));
    down = false;
    assert.equal(await flaky.submit(3), 3);
  });
});

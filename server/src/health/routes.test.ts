import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWard } from '../../test/harness.ts';
import { send } from '../http/test-client.ts';

test('/healthz and /readyz answer 200 without a session when the database is reachable', async () => {
  const ward = await startWard();
  try {
    const live = await send(`${ward.url}/healthz`);
    assert.equal(live.status, 200);
    assert.deepEqual(live.json, { status: 'ok' });

    const ready = await send(`${ward.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready' });
    // A load balancer polls these: nothing may cache an old answer.
    assert.equal(ready.headers['cache-control'], 'no-store');
  } finally {
    await ward.stop();
  }
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildTestApp, type TestApp } from './test-app.ts';

/** Sends raw bytes and returns everything the server wrote before closing. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => (failure = error));
    socket.on('close', () => {
      if (chunks.length === 0 && failure) reject(failure);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function split(raw: string): { status: number; head: string; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0),
    head: raw.slice(0, at).toLowerCase(),
    body: raw.slice(at + 4),
  };
}

describe('requests Node refuses before Fastify sees them', () => {
  let ward: TestApp;
  let port: number;
  before(async () => {
    ward = await buildTestApp(() => undefined);
    await ward.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ward.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await ward.close();
  });

  const big = 'a'.repeat(20_000);
  const cases = [
    {
      what: 'headers over the size limit',
      bytes: `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${big}\r\n\r\n`,
      status: 431,
    },
    { what: 'an unknown method', bytes: 'BREW /pot HTTP/1.1\r\nhost: x\r\n\r\n', status: 400 },
    {
      what: 'two content lengths',
      bytes: 'POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n{}',
      status: 400,
    },
  ];
  for (const { what, bytes, status } of cases) {
    test(`${what}: ${String(status)} with Ward's error body and headers`, async () => {
      const answer = split(await exchange(port, bytes));
      assert.equal(answer.status, status, answer.body);
      assert.deepEqual(Object.keys(JSON.parse(answer.body) as object), ['error']);
      assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'bad_request');
      assert.match(answer.head, /x-content-type-options: nosniff/);
      assert.match(answer.head, /content-type: application\/json/);
    });
  }

  test('a HEAD request with headers over the limit gets no body, which its client would misread', async () => {
    const answer = split(await exchange(port, `HEAD /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${big}\r\n\r\n`));
    assert.equal(answer.status, 431);
    assert.equal(answer.body, '');
  });
});

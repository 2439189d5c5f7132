import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFrom, startWard, tempDir } from '../../test/harness.ts';
import { startWard as startServer } from '../main.ts';
import { createWebDist } from '../web/test-web-dist.ts';
import { send } from './test-client.ts';
import { spawnWardProcess } from './test-process.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function connectOutcome(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? 'error');
    });
  });
}

async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not finish within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('stop() lets a response in flight finish, refuses new connections and does not wait for idle ones', async () => {
  const dir = tempDir('ward-shutdown-');
  // Large enough that the server cannot hand it all to the kernel while the client is not reading.
  const web = createWebDist(dir.path, { largeFileBytes: 48 * 1024 * 1024 });
  const ward = await startWard({ start: { webDist: web.dist } });
  const keepAlive = new http.Agent({ keepAlive: true });
  try {
    const large = web.largeFile;
    assert.ok(large);
    // A browser keeps connections open between requests.
    const idle = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${ward.url}/healthz`, { agent: keepAlive }, resolve).on('error', reject);
    });
    idle.resume();
    await once(idle, 'end');

    // A download, started and then not read: it stays in flight.
    const download = http.get(`${ward.url}${large.path}`, { agent: keepAlive });
    const [response] = (await once(download, 'response')) as [http.IncomingMessage];
    assert.equal(response.statusCode, 200);
    await sleep(200);

    let stopped = false;
    const stopping = ward.server.stop().then(() => {
      stopped = true;
    });
    await sleep(300);
    assert.equal(
      await connectOutcome(ward.url),
      'ECONNREFUSED',
      'a new connection was accepted after stop()',
    );
    assert.equal(stopped, false, 'stop() finished while a response was still being sent');

    let received = 0;
    response.on('data', (chunk: Buffer) => (received += chunk.length));
    await once(response, 'end');
    assert.equal(received, large.bytes, 'the download in flight was cut short');
    assert.ok(response.complete);

    await settlesWithin(stopping, 5_000, 'stop() after the last response');
  } finally {
    keepAlive.destroy();
    await ward.stop();
    dir.remove();
  }
});

test('stop() shuts the embedded PostgreSQL down', async () => {
  const dir = tempDir('ward-embedded-');
  // As root the embedded server runs as `postgres`, which must be able to walk into the folder.
  chmodSync(dir.path, 0o711);
  try {
    const dataDir = path.join(dir.path, 'data');
    const config = configFrom(dir.path, {
      'server.port': '0',
      'data.dir': dataDir,
      'admin.password': 'correct horse battery staple for tests',
      'log.level': 'silent',
    });
    const ward = await startServer(config, { logger: false, announce: () => undefined });
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    let postmaster: number;
    try {
      assert.equal((await send(`${ward.url}/readyz`)).status, 200);
      assert.ok(existsSync(pidFile), 'no embedded PostgreSQL is running');
      postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    } finally {
      await ward.stop();
    }
    assert.equal(existsSync(pidFile), false, 'the embedded PostgreSQL still has its pid file');
    assert.throws(
      () => process.kill(postmaster, 0),
      { code: 'ESRCH' },
      'the embedded PostgreSQL process is still alive',
    );
  } finally {
    dir.remove();
  }
});

test('SIGTERM stops a running ward process cleanly, with exit status 0', async () => {
  const ward = await spawnWardProcess();
  try {
    assert.equal((await send(`${ward.url}/healthz`)).status, 200);
    ward.child.kill('SIGTERM');
    const exit = await settlesWithin(ward.exited, 15_000, 'the process after SIGTERM');
    assert.match(ward.stderr(), /SIGTERM: finishing in-flight requests and shutting down/);
    assert.match(ward.stdout(), /Ward stopped/);
    assert.deepEqual(exit, { code: 0, signal: null }, ward.stderr());
  } finally {
    await ward.cleanup();
  }
});

import { copyFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls, { TLSSocket } from 'node:tls';
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWard, tempDir, type RunningWard } from '../../test/harness.ts';
import { createTestCertificate, type TestCertificate } from './test-certificates.ts';
import { spawnWardProcess } from './test-process.ts';

interface Answer {
  readonly status: number;
  readonly socket: TLSSocket;
  /** Fingerprint of the certificate the server presented on this connection. */
  readonly fingerprint: string;
}

function get(url: string, agent: https.Agent, pathname = '/healthz'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(new URL(pathname, url), { agent }, (response) => {
      const socket = response.socket;
      if (!(socket instanceof TLSSocket)) {
        reject(new Error('the response did not come over TLS'));
        return;
      }
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      response.resume();
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, socket, fingerprint });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Fingerprint a brand-new connection sees (no agent, no session reuse). */
async function fingerprintOfNewConnection(url: string, trusted: readonly string[]): Promise<string> {
  const agent = new https.Agent({ keepAlive: false, ca: [...trusted] });
  try {
    return (await get(url, agent)).fingerprint;
  } finally {
    agent.destroy();
  }
}

function handshake(url: string, options: tls.ConnectionOptions): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ...options }, () => {
      const protocol = socket.getProtocol() ?? 'none';
      socket.end();
      resolve(protocol);
    });
    socket.on('error', reject);
  });
}

/** Polls until the condition holds; a condition that throws (connection refused) counts as not yet. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Replaces a file the way an installer does: a new file renamed over the old one. */
function replaceFile(target: string, source: string): void {
  const staging = `${target}.new`;
  copyFileSync(source, staging);
  renameSync(staging, target);
}

/** Points a symlink elsewhere atomically, as certbot does with the files in `live/`. */
function repoint(link: string, target: string): void {
  const staging = `${link}.new`;
  symlinkSync(target, staging);
  renameSync(staging, link);
}

describe('HTTPS', () => {
  let dir: ReturnType<typeof tempDir>;
  let first: TestCertificate;
  let second: TestCertificate;
  let ward: RunningWard | undefined;

  before(() => {
    dir = tempDir('ward-tls-');
    first = createTestCertificate(dir.path, 'first');
    second = createTestCertificate(dir.path, 'second');
  });
  after(() => {
    dir.remove();
  });
  afterEach(async () => {
    await ward?.stop();
    ward = undefined;
  });

  /** Ward serving copies of the first certificate from its own folder, which tests then change. */
  async function startWithFirstCertificate(folder: string): Promise<{ certificate: string; key: string }> {
    const live = path.join(dir.path, folder);
    mkdirSync(live);
    const files = { certificate: path.join(live, 'fullchain.pem'), key: path.join(live, 'privkey.pem') };
    copyFileSync(first.certificate, files.certificate);
    copyFileSync(first.key, files.key);
    ward = await startWard({
      properties: { 'server.ssl.certificate': files.certificate, 'server.ssl.key': files.key },
    });
    return files;
  }

  test('serves the API over HTTPS with the configured certificate', async () => {
    await startWithFirstCertificate('serves');
    assert.ok(ward);
    assert.match(ward.url, /^https:\/\//);
    const agent = new https.Agent({ ca: [first.pem] });
    try {
      const answer = await get(ward.url, agent);
      assert.equal(answer.status, 200);
      assert.equal(answer.fingerprint, first.fingerprint);
    } finally {
      agent.destroy();
    }
  });

  test('accepts TLS 1.2 and 1.3 and refuses TLS 1.1', async () => {
    await startWithFirstCertificate('versions');
    assert.ok(ward);
    const trusted = { ca: [first.pem] };
    assert.equal(
      await handshake(ward.url, { ...trusted, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }),
      'TLSv1.3',
    );
    assert.equal(
      await handshake(ward.url, { ...trusted, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
      'TLSv1.2',
    );

    // This client really speaks TLS 1.1: a server that allows it completes the handshake.
    const legacy: tls.ConnectionOptions = {
      ...trusted,
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    };
    const permissive = tls.createServer({
      cert: first.pem,
      key: readFileSync(first.key),
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    await new Promise<void>((resolve) => permissive.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = permissive.address() as { port: number };
      permissive.on('secureConnection', (socket) => socket.end());
      assert.equal(await handshake(`https://127.0.0.1:${port}`, legacy), 'TLSv1.1');
    } finally {
      permissive.close();
    }
    await assert.rejects(handshake(ward.url, legacy), (error: NodeJS.ErrnoException) => {
      assert.match(error.code ?? '', /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION/);
      return true;
    });
  });

  test('reloadCertificate() gives new connections the renewed certificate and keeps open ones', async () => {
    const files = await startWithFirstCertificate('reload');
    assert.ok(ward);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [first.pem, second.pem] });
    try {
      const before = await get(ward.url, agent);
      assert.equal(before.fingerprint, first.fingerprint);

      replaceFile(files.certificate, second.certificate);
      replaceFile(files.key, second.key);
      assert.equal(ward.server.reloadCertificate(), true);

      const sameConnection = await get(ward.url, agent);
      assert.equal(sameConnection.status, 200);
      assert.equal(sameConnection.socket, before.socket, 'the established connection was dropped');
      assert.equal(sameConnection.fingerprint, first.fingerprint);
      assert.equal(await fingerprintOfNewConnection(ward.url, [second.pem]), second.fingerprint);
    } finally {
      agent.destroy();
    }
  });

  test('SIGHUP makes a running ward process reload its certificate and keep serving', async () => {
    const live = path.join(dir.path, 'sighup');
    mkdirSync(live);
    const files = { certificate: path.join(live, 'fullchain.pem'), key: path.join(live, 'privkey.pem') };
    copyFileSync(first.certificate, files.certificate);
    copyFileSync(first.key, files.key);
    const ward = await spawnWardProcess({
      'server.ssl.certificate': files.certificate,
      'server.ssl.key': files.key,
    });
    try {
      assert.equal(await fingerprintOfNewConnection(ward.url, [first.pem]), first.fingerprint);
      replaceFile(files.certificate, second.certificate);
      replaceFile(files.key, second.key);
      ward.child.kill('SIGHUP');
      const renewed = await waitFor(async () => {
        if (ward.child.exitCode !== null || ward.child.signalCode !== null) return true;
        return (await fingerprintOfNewConnection(ward.url, [first.pem, second.pem])) === second.fingerprint;
      }, 1_500);
      assert.equal(ward.child.exitCode, null, `SIGHUP ended the process:\n${ward.stderr()}`);
      assert.ok(renewed, 'new connections still get the old certificate after SIGHUP');
      // The child's log line crosses a pipe: it may reach this process a moment after the reload.
      await waitFor(async () => ward.stdout().includes('TLS certificate reloaded'), 1_500);
      assert.match(ward.stdout(), /TLS certificate reloaded/);
    } finally {
      await ward.cleanup();
    }
  });

  /** Opens a keep-alive connection, renews, and checks the watcher alone serves the new certificate. */
  async function expectRenewalPickedUpByWatcher(renew: () => void): Promise<void> {
    assert.ok(ward);
    const url = ward.url;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [first.pem, second.pem] });
    try {
      const before = await get(url, agent);
      assert.equal(before.fingerprint, first.fingerprint);

      renew();
      const renewed = await waitFor(
        async () => (await fingerprintOfNewConnection(url, [first.pem, second.pem])) === second.fingerprint,
        8_000,
      );
      assert.ok(renewed, 'new connections did not get the renewed certificate within 8 s');

      const sameConnection = await get(url, agent);
      assert.equal(sameConnection.status, 200);
      assert.equal(sameConnection.socket, before.socket, 'the established connection was dropped');
      assert.equal(sameConnection.fingerprint, first.fingerprint);
    } finally {
      agent.destroy();
    }
  }

  test('files replaced by a renewal are picked up without a reload call or a restart', async () => {
    const files = await startWithFirstCertificate('replaced');
    await expectRenewalPickedUpByWatcher(() => {
      replaceFile(files.certificate, second.certificate);
      replaceFile(files.key, second.key);
    });
  });

  test('a certbot renewal (symlinks in live/ re-pointed) is picked up the same way', async () => {
    // certbot's layout: live/ holds symlinks into archive/, re-pointed at each renewal.
    const archive = path.join(dir.path, 'archive');
    const live = path.join(dir.path, 'live');
    mkdirSync(archive);
    mkdirSync(live);
    copyFileSync(first.certificate, path.join(archive, 'fullchain1.pem'));
    copyFileSync(first.key, path.join(archive, 'privkey1.pem'));
    const files = { certificate: path.join(live, 'fullchain.pem'), key: path.join(live, 'privkey.pem') };
    symlinkSync(path.join(archive, 'fullchain1.pem'), files.certificate);
    symlinkSync(path.join(archive, 'privkey1.pem'), files.key);
    ward = await startWard({
      properties: { 'server.ssl.certificate': files.certificate, 'server.ssl.key': files.key },
    });
    await expectRenewalPickedUpByWatcher(() => {
      copyFileSync(second.certificate, path.join(archive, 'fullchain2.pem'));
      copyFileSync(second.key, path.join(archive, 'privkey2.pem'));
      repoint(files.certificate, path.join(archive, 'fullchain2.pem'));
      repoint(files.key, path.join(archive, 'privkey2.pem'));
    });
  });

  test('a broken renewal keeps the previous certificate in service', async () => {
    const files = await startWithFirstCertificate('broken');
    assert.ok(ward);
    const url = ward.url;
    const stillFirst = async (): Promise<void> => {
      assert.equal(await fingerprintOfNewConnection(url, [first.pem]), first.fingerprint);
    };

    writeFileSync(
      files.certificate,
      '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n',
    );
    assert.equal(ward.server.reloadCertificate(), false, 'a malformed certificate was accepted');
    await stillFirst();

    // A new certificate with the old key: certbot interrupted between the two files.
    replaceFile(files.certificate, second.certificate);
    assert.equal(
      ward.server.reloadCertificate(),
      false,
      'a certificate that does not match its key was accepted',
    );
    await stillFirst();

    // Once the pair is complete, the renewal goes through.
    replaceFile(files.key, second.key);
    assert.equal(ward.server.reloadCertificate(), true);
    assert.equal(await fingerprintOfNewConnection(url, [second.pem]), second.fingerprint);
  });
});

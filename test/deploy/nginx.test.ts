// The nginx configuration of docs/deploy.md, as written there, in front of a real Ward: the test
// takes the doc's ```nginx block, changes only what a test must (ports, addresses, certificate
// paths; see substitutionsFor), runs a real nginx with it and talks to Ward through it over HTTPS.
// The doc is the product: when this fails, fix docs/deploy.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Schema } from '../../server/src/db/schema.ts';
import { createTestCertificate, type TestCertificate } from '../../server/src/http/test-certificates.ts';
import { startWard, tempDir } from '../../server/test/harness.ts';
import { ownerDb } from '../../server/test/users.ts';

const DOC = path.resolve(import.meta.dirname, '../../docs/deploy.md');
const ADMIN_PASSWORD = 'copper lantern drifts over quiet meadows';
/** A loopback address other than nginx's own, so the client's address and nginx's differ. */
const CLIENT_ADDRESS = '127.0.0.2';
const MISSING =
  'nginx is not installed: `apt-get install --no-install-recommends nginx` (.ci/run installs it)';

/** nginx lives in /usr/sbin, which is not on every user's PATH. */
function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    const candidate = path.join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The doc's ```nginx blocks, joined: what an operator copies into /etc/nginx/conf.d/ward.conf. */
function nginxBlocksOf(markdown: string): string {
  const blocks = [...markdown.matchAll(/^```nginx\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
  assert.ok(blocks.length > 0, `${DOC} has no \`\`\`nginx block`);
  return blocks.join('\n');
}

interface Substitution {
  readonly why: string;
  readonly pattern: RegExp;
  readonly replacement: string;
}

interface TestSite {
  readonly httpsPort: number;
  readonly httpPort: number;
  readonly wardPort: number;
  /** nginx's certificate for browsers. */
  readonly publicCertificate: TestCertificate;
  /** Ward's own certificate; self-signed, so it is also the "internal CA" nginx trusts. */
  readonly wardCertificate: TestCertificate;
}

/**
 * Everything the test changes in the doc's configuration, and why. The rest is tested as written.
 * Each pattern must match, so a doc that changes shape fails here rather than being half-replaced.
 */
function substitutionsFor(site: TestSite): Substitution[] {
  return [
    {
      why: 'HTTPS: an unprivileged free port on loopback instead of 443',
      pattern: /\blisten\s+443\b/g,
      replacement: `listen 127.0.0.1:${site.httpsPort}`,
    },
    {
      why: 'plain HTTP: an unprivileged free port on loopback instead of 80',
      pattern: /\blisten\s+80\b/g,
      replacement: `listen 127.0.0.1:${site.httpPort}`,
    },
    {
      why: "every Ward node of the upstream: the Ward this test started (nodes' addresses are made up)",
      pattern: /(?<=\bserver\s+)\d+\.\d+\.\d+\.\d+:8443\b/g,
      replacement: `127.0.0.1:${site.wardPort}`,
    },
    {
      why: "Let's Encrypt's certificate: a throwaway one",
      pattern: /(?<=\bssl_certificate\s+)[^;\s]+/g,
      replacement: site.publicCertificate.certificate,
    },
    {
      why: "Let's Encrypt's key: the throwaway certificate's",
      pattern: /(?<=\bssl_certificate_key\s+)[^;\s]+/g,
      replacement: site.publicCertificate.key,
    },
    {
      why: "the internal CA: Ward's self-signed test certificate",
      pattern: /(?<=\bproxy_ssl_trusted_certificate\s+)[^;\s]+/g,
      replacement: site.wardCertificate.certificate,
    },
    {
      why: "the nodes' certificate name: the name test certificates carry",
      pattern: /(?<=\bproxy_ssl_name\s+)[^;\s]+/g,
      replacement: 'localhost',
    },
  ];
}

function substitute(config: string, substitutions: readonly Substitution[]): string {
  let out = config;
  for (const { why, pattern, replacement } of substitutions) {
    assert.ok(
      pattern.test(out),
      `docs/deploy.md's nginx block no longer matches ${String(pattern)} (${why})`,
    );
    pattern.lastIndex = 0;
    out = out.replace(pattern, replacement);
  }
  assert.doesNotMatch(out, /\d+\.\d+\.\d+\.\d+:8443/, 'a Ward node address was left unreplaced');
  return out;
}

/** A minimal nginx.conf around the doc's block, as Debian's includes conf.d/*.conf inside http {}. */
function mainConfig(dir: string, siteFile: string): string {
  return `# Written by test/deploy/nginx.test.ts: docs/deploy.md's nginx block, with everything
# nginx writes kept in this folder.
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${siteFile};
}
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function waitForPort(port: number, nginx: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}):\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 15 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Header names as sent, once per occurrence (to see a header nginx and Ward both set). */
  readonly rawHeaders: readonly string[];
  readonly text: string;
}

interface Call {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

function readAnswer(response: http.IncomingMessage, resolve: (answer: Answer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => {
    resolve({
      status: response.statusCode ?? 0,
      headers: response.headers,
      rawHeaders: response.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()),
      text: Buffer.concat(chunks).toString('utf8'),
    });
  });
}

describe(
  'docs/deploy.md: nginx in front of Ward',
  { skip: findNginx() || process.env.CI ? false : MISSING },
  () => {
    const publicHost = /\bserver_name\s+([^;\s]+)/.exec(nginxBlocksOf(readFileSync(DOC, 'utf8')))?.[1] ?? '';
    let db: Kysely<Schema>;
    let site: TestSite;
    /** What before() set up, undone in reverse order by after(), however far before() got. */
    const cleanups: (() => unknown)[] = [];

    /** A request to nginx's HTTPS port from CLIENT_ADDRESS, as a browser at https://<server_name> makes it. */
    function viaNginx(pathname: string, call: Call = {}): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const request = https.request(
          {
            host: '127.0.0.1',
            port: site.httpsPort,
            path: pathname,
            method: call.method ?? 'GET',
            localAddress: CLIENT_ADDRESS,
            // The test certificate names localhost; the Host header names the doc's server.
            servername: 'localhost',
            ca: [site.publicCertificate.pem],
            agent: false,
            // On 443 a browser sends the bare host name; the test's port must not show in it.
            headers: { host: publicHost, ...call.headers },
          },
          (response) => {
            readAnswer(response, resolve);
          },
        );
        request.on('error', reject);
        request.end(call.body);
      });
    }

    function tlsHandshake(version: tls.SecureVersion): Promise<string | null> {
      return new Promise((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: site.httpsPort,
          servername: 'localhost',
          ca: [site.publicCertificate.pem],
          minVersion: version,
          maxVersion: version,
          // Let this client offer old protocols at all, so that a refusal is nginx's.
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        socket.once('secureConnect', () => {
          const protocol = socket.getProtocol();
          socket.destroy();
          resolve(protocol);
        });
        socket.once('error', reject);
      });
    }

    before(async () => {
      const binary = findNginx();
      if (!binary) throw new Error(MISSING);
      assert.ok(publicHost, 'the nginx block has no server_name');
      const dir = tempDir('ward-nginx-');
      cleanups.push(() => {
        dir.remove();
      });
      // nginx's workers run as nobody when the test runs as root: they must reach their temp folders.
      chmodSync(dir.path, 0o755);
      const wardCertificate = createTestCertificate(dir.path, 'ward');
      // The doc's properties for a node behind nginx, except where a test Ward differs (loopback,
      // free port, test secrets).
      const ward = await startWard({
        properties: {
          'app.mode': 'production',
          'server.host': '127.0.0.1',
          'server.public.url': `https://${publicHost}`,
          'server.trust.proxy': '127.0.0.1',
          'server.ssl.certificate': wardCertificate.certificate,
          'server.ssl.key': wardCertificate.key,
          'token.secret': 'nginx-test-token-secret-'.padEnd(64, 'x'),
          'auth.2fa.password': 'nginx-test-two-factor-key-'.padEnd(64, 'y'),
          'admin.password': ADMIN_PASSWORD,
        },
      });
      cleanups.push(() => ward.stop());
      db = ownerDb(ward.database.url);
      cleanups.push(() => db.destroy());
      site = {
        httpsPort: await freePort(),
        httpPort: await freePort(),
        wardPort: Number(new URL(ward.url).port),
        publicCertificate: createTestCertificate(dir.path, 'public'),
        wardCertificate,
      };
      const siteFile = path.join(dir.path, 'ward.conf');
      writeFileSync(siteFile, substitute(nginxBlocksOf(readFileSync(DOC, 'utf8')), substitutionsFor(site)));
      const configFile = path.join(dir.path, 'nginx.conf');
      writeFileSync(configFile, mainConfig(dir.path, siteFile));
      const args = ['-p', dir.path, '-e', 'stderr', '-c', configFile];

      const check = spawnSync(binary, [...args, '-t'], { encoding: 'utf8' });
      assert.equal(check.status, 0, `nginx -t refuses docs/deploy.md's configuration:\n${check.stderr}`);

      const nginx = spawn(binary, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(async () => {
        if (nginx.exitCode !== null || nginx.signalCode !== null) return;
        const exited = new Promise((resolve) => nginx.once('exit', resolve));
        nginx.kill('SIGTERM');
        await exited;
      });
      let nginxOutput = '';
      nginx.stdout.setEncoding('utf8').on('data', (c: string) => (nginxOutput += c));
      nginx.stderr.setEncoding('utf8').on('data', (c: string) => (nginxOutput += c));
      await waitForPort(site.httpsPort, nginx, () => nginxOutput);
    });

    after(async () => {
      for (const undo of cleanups.reverse()) await undo();
    });

    test('a request reaches Ward over TLS on both hops, with HSTS from Ward alone', async () => {
      const answer = await viaNginx('/healthz');
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(JSON.parse(answer.text), { status: 'ok' });
      const maxAge = Number(
        /max-age=(\d+)/.exec(answer.headers['strict-transport-security'] ?? '')?.[1] ?? 0,
      );
      assert.ok(maxAge >= 31_536_000, `HSTS: ${answer.headers['strict-transport-security'] ?? '(none)'}`);
      for (const header of ['strict-transport-security', 'content-security-policy', 'x-content-type-options'])
        assert.equal(answer.rawHeaders.filter((h) => h === header).length, 1, `${header} sent once`);
    });

    test("signing in works through nginx, and Ward records the client's address, not nginx's or a forged one", async () => {
      const answer = await viaNginx('/api/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // Origin alone (no Sec-Fetch-Site): Ward compares it with the scheme and host nginx passes on.
          origin: `https://${publicHost}`,
          'x-forwarded-for': '203.0.113.7',
          'user-agent': 'ward-nginx-test/1.0',
        },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      assert.equal(answer.status, 200, answer.text);
      const setCookie = answer.headers['set-cookie'] ?? [];
      const session = setCookie.find((line) => line.startsWith('__Host-ward_session='));
      assert.ok(session, `no session cookie: ${setCookie.join(' | ')}`);
      assert.match(session, /;\s*Secure/i);

      const me = await viaNginx('/api/me', { headers: { cookie: session.split(';')[0] ?? '' } });
      assert.equal(me.status, 200, me.text);
      assert.equal((JSON.parse(me.text) as { user: { username: string } }).user.username, 'admin');

      const attempt = await db
        .selectFrom('ward.sign_in_attempts')
        .select(['ip', 'outcome', 'user_agent'])
        .where('username', '=', 'admin')
        .orderBy('at', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(attempt.outcome, 'success');
      assert.equal(attempt.user_agent, 'ward-nginx-test/1.0');
      assert.equal(attempt.ip, CLIENT_ADDRESS);
    });

    test("a forged X-Forwarded-Host does not make another site Ward's own origin", async () => {
      const answer = await viaNginx('/api/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: 'https://evil.example',
          'x-forwarded-host': 'evil.example',
        },
        body: JSON.stringify({ username: 'admin', password: 'not the password' }),
      });
      assert.equal(answer.status, 403, answer.text);
      assert.equal((JSON.parse(answer.text) as { error: { code: string } }).error.code, 'csrf_rejected');
    });

    test('plain HTTP redirects to the same address over HTTPS', async () => {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port: site.httpPort,
            path: '/patients?q=smith',
            localAddress: CLIENT_ADDRESS,
            agent: false,
            headers: { host: publicHost },
          },
          (response) => {
            readAnswer(response, resolve);
          },
        );
        request.on('error', reject);
        request.end();
      });
      assert.equal(answer.status, 301);
      assert.equal(answer.headers.location, `https://${publicHost}/patients?q=smith`);
    });

    test('TLS 1.2 and 1.3 are offered; TLS 1.1 is refused', async () => {
      assert.equal(await tlsHandshake('TLSv1.3'), 'TLSv1.3');
      assert.equal(await tlsHandshake('TLSv1.2'), 'TLSv1.2');
      await assert.rejects(tlsHandshake('TLSv1.1'), (error: NodeJS.ErrnoException) => {
        // An alert from nginx, not this client declining to offer TLS 1.1.
        assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', String(error));
        return true;
      });
    });
  },
);

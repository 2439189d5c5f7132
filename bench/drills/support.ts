// Shared by the drills: a verdict every drill ends with, a real `ward start` child process, a small
// HTTP client that can pick its source address, and the guard that keeps every drill on loopback.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { wardProcessEnv } from '../../server/test/harness.ts';
import { withBenchPostgres } from '../support.ts';

const WARD_BIN = path.resolve(import.meta.dirname, '../../bin/ward.js');

/** What a drill found: a verdict, a one-line summary, and the figures behind it. */
export interface DrillResult {
  readonly name: string;
  readonly passed: boolean;
  readonly summary: string;
  readonly report: readonly string[];
}

export function verdictLine(result: DrillResult): string {
  return `VERDICT: ${result.passed ? 'PASS' : 'FAIL'} ${result.name}: ${result.summary}`;
}

/** Collects a drill's findings: figures to report and problems that make it fail. */
export class Findings {
  readonly report: string[] = [];
  readonly problems: string[] = [];
  note(line: string): void {
    this.report.push(line);
  }
  /** Records `problem` unless `ok`. */
  check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }
  result(name: string, passSummary: string): DrillResult {
    const passed = this.problems.length === 0;
    return {
      name,
      passed,
      summary: passed ? passSummary : this.problems.join('; '),
      report: [...this.report, ...this.problems.map((p) => `problem: ${p}`)],
    };
  }
}

/**
 * Runs a drill as a script (`node --import tsx bench/drills/NAME.ts [--quick]`): prints its report
 * and verdict and exits non-zero on FAIL. Does nothing when the module is only imported (tests).
 */
export function runAsScript(
  meta: ImportMeta,
  drill: (argv: readonly string[]) => Promise<DrillResult>,
): void {
  const entry = process.argv[1];
  if (entry === undefined || path.resolve(entry) !== meta.filename) return;
  const started = performance.now();
  drill(process.argv.slice(2)).then(
    (result) => {
      for (const line of result.report) console.log(line);
      console.log(`drill took ${((performance.now() - started) / 1000).toFixed(1)} s`);
      console.log(verdictLine(result));
      process.exit(result.passed ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      console.log(`VERDICT: FAIL ${path.basename(meta.filename, '.ts')}: the drill itself failed to run`);
      process.exit(1);
    },
  );
}

/** The value after `--name` in argv, as a number, or `fallback`. */
export function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(argv[at + 1]) : Number.NaN;
  return Number.isFinite(value) ? value : fallback;
}

/** Runs `body` with TEST_DATABASE_URL set: as given, else DATABASE_URL's server, else an embedded one. */
export async function withDrillPostgres<T>(body: () => Promise<T>): Promise<T> {
  if (process.env.TEST_DATABASE_URL) return body();
  let result: T | undefined;
  await withBenchPostgres(async () => {
    result = await body();
  });
  return result as T;
}

/** Drills attack only this machine: every address they use must be in 127.0.0.0/8. */
export function assertLoopback(address: string): void {
  const host = address.includes('://') ? new URL(address).hostname : address;
  if (isIP(host) !== 4 || !host.startsWith('127.')) {
    throw new Error(`drills run against loopback (127.0.0.0/8) only, not ${host}`);
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    path: dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ADMIN_PASSWORD = 'correct horse battery staple for drills';

export interface WardProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Lines Ward logged at level error or fatal. */
  errors(): readonly string[];
  /** How it ended, with the end of its standard error, once it has exited. */
  exitReport(): string;
  /** Stops Ward with SIGTERM (SIGKILL after 10 s) and removes its folder. */
  stop(): Promise<void>;
}

export interface WardProcessOptions {
  readonly databaseUrl: string;
  readonly runtimeRole: string;
  /** More properties, e.g. production mode and TLS. */
  readonly properties?: Record<string, string>;
}

/** Starts `ward start --config FILE` on a free port of 127.0.0.1; resolves once it is listening. */
export async function startWardProcess(options: WardProcessOptions): Promise<WardProcess> {
  const dir = tempDir('ward-drill-');
  const properties: Record<string, string> = {
    'server.host': '127.0.0.1',
    'server.port': '0',
    'data.dir': path.join(dir.path, 'data'),
    'database.url': options.databaseUrl,
    'database.runtime.role': options.runtimeRole,
    'admin.password': ADMIN_PASSWORD,
    'log.level': 'info',
    ...options.properties,
  };
  assertLoopback(properties['server.host'] ?? '');
  const file = path.join(dir.path, 'ward.properties');
  writeFileSync(
    file,
    Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const child = spawn(process.execPath, [WARD_BIN, 'start', '--config', file], {
    cwd: dir.path,
    env: wardProcessEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Ward logs every request: keep the start-up lines and the errors, not the whole stream.
  let head = '';
  const errors: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (head.length < 20_000) head += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (/"level":(50|60)/.test(line) && errors.length < 1000) errors.push(line);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      resolve();
    });
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`ward did not start within 60 s:\n${head}\n${stderr}`));
      }, 60_000);
      const onData = (): void => {
        const match = /Ward listening on (\S+?)"/.exec(head);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`ward exited before listening:\n${head}\n${stderr}`));
      });
    });
    assertLoopback(url);
    const exitReport = (): string =>
      alive()
        ? 'still running'
        : `exited with ${String(child.exitCode ?? child.signalCode)}: ${stderr.slice(-2000)} ${errors.slice(-3).join('\n')}`;
    return { url, child, alive, errors: () => errors, exitReport, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export interface RequestInput {
  readonly method?: string;
  /** Path and query, sent exactly as given. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly agent?: http.Agent;
  readonly timeoutMs?: number;
}

/** One HTTP request to `base` (http://127.x.x.x:port), through `agent` (which may fix the source address). */
export function request(base: string, input: RequestInput): Promise<Answer> {
  assertLoopback(base);
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: input.method ?? 'GET',
        path: input.path,
        headers: {
          'user-agent': 'ward-drills/1.0',
          ...(input.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(input.body)) }),
          ...input.headers,
        },
        agent: input.agent,
        timeout: input.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${input.timeoutMs ?? 30_000} ms`));
    });
    req.on('error', reject);
    req.end(input.body);
  });
}

/** An agent whose connections leave from `localAddress` (default: the kernel's choice). */
export function agentFrom(localAddress?: string, maxSockets = 8, keepAlive = true): http.Agent {
  if (localAddress !== undefined) assertLoopback(localAddress);
  return new http.Agent({
    keepAlive,
    maxSockets,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
}

export function jsonBody(value: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { 'content-type': 'application/json' } };
}

/** The error code of a Ward error body, or undefined when the body is not one. */
export function errorCodeOf(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Signs in over HTTP and returns the bearer token, or throws with Ward's answer. */
export async function signInForToken(
  base: string,
  username: string,
  password: string,
  options: { agent?: http.Agent; deviceCookie?: string } = {},
): Promise<{ token: string; deviceCookie: string | undefined }> {
  const { body, headers } = jsonBody({ username, password, tokenDelivery: 'bearer' });
  const answer = await request(base, {
    method: 'POST',
    path: '/api/auth/login',
    body,
    headers: {
      ...headers,
      ...(options.deviceCookie === undefined ? {} : { cookie: `ward_device=${options.deviceCookie}` }),
    },
    ...(options.agent === undefined ? {} : { agent: options.agent }),
  });
  if (answer.status !== 200)
    throw new Error(`sign-in of ${username} answered ${answer.status}: ${answer.text}`);
  const token = (JSON.parse(answer.text) as { token?: string }).token;
  if (token === undefined) throw new Error(`sign-in of ${username} returned no token`);
  return { token, deviceCookie: cookieFrom(answer, 'ward_device') };
}

export function cookieFrom(answer: Answer, name: string): string | undefined {
  for (const line of answer.headers['set-cookie'] ?? []) {
    if (line.startsWith(`${name}=`)) return line.slice(name.length + 1).split(';')[0];
  }
  return undefined;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded generator (mulberry32), so that a drill's run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends `bytes` as they are over a new connection and reads until Ward closes it. */
export function rawExchange(
  base: string,
  bytes: string,
): Promise<{ status: number; headers: string; body: string }> {
  assertLoopback(base);
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) }, () => {
      socket.write(bytes);
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Ward may reset the connection right after answering: what arrived before the reset counts.
    let failure: Error | undefined;
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      if (chunks.length === 0 && failure !== undefined) {
        reject(failure);
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const headers = split < 0 ? text : text.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        headers,
        body: split < 0 ? '' : text.slice(split + 4),
      });
    });
  });
}

/** Installs a Debian package when `command` is not on the PATH. */
export function ensureCommand(command: string, debianPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status === 0) return;
  console.log(`installing ${debianPackage} (apt-get install -y ${debianPackage})`);
  const result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`could not install ${debianPackage}`);
}

export interface ToolRun {
  readonly output: string;
  readonly seconds: number;
  readonly timedOut: boolean;
  readonly status: number | null;
}

/** Runs a tool with a time limit (SIGKILL when it is reached), collecting what it prints. */
export function runTool(command: string, args: readonly string[], timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ output, seconds: (performance.now() - started) / 1000, timedOut, status });
    });
  });
}

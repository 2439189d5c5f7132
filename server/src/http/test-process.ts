// Test support: Ward as a real operating-system process (`node bin/ward.js start`), for what only
// a process shows: how it answers signals and with which exit status it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, tempDir, wardProcessEnv, writeProperties } from '../../test/harness.ts';

const WARD_BIN = path.resolve(import.meta.dirname, '../../../bin/ward.js');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WardProcess {
  /** Where it listens, as it announced it. */
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has ended. */
  readonly exited: Promise<ProcessExit>;
  /** Kills the process if still running, then drops its database and folder. */
  cleanup(): Promise<void>;
}

/**
 * Starts `ward start --config FILE` on a free loopback port against a fresh test database and
 * resolves once it announces its URL.
 */
export async function spawnWardProcess(properties: Record<string, string> = {}): Promise<WardProcess> {
  const database = await createTestDatabase();
  const dir = tempDir('ward-process-');
  const file = writeProperties(dir.path, {
    'server.port': '0',
    'data.dir': path.join(dir.path, 'data'),
    'database.url': database.url,
    'database.runtime.role': database.runtimeRole,
    'admin.password': 'correct horse battery staple for tests',
    'log.level': 'info',
    ...properties,
  });
  const child = spawn(process.execPath, [WARD_BIN, 'start', '--config', file], {
    cwd: dir.path,
    env: wardProcessEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await database.drop();
    dir.remove();
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`ward did not start within 30 s:\n${stdout}\n${stderr}`));
      }, 30_000);
      const onData = (): void => {
        const match = /Ward listening on (\S+?)"/.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(
            `ward exited (${String(exit.code ?? exit.signal)}) before listening:\n${stdout}\n${stderr}`,
          ),
        );
      });
    });
    return { url, child, stdout: () => stdout, stderr: () => stderr, exited, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

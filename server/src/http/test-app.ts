// Test support: Ward's real HTTP application on a fresh test database, with room to add
// throwaway routes (a handler that throws, one that is slow) before it becomes ready.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { createTestDatabase, configFrom, tempDir } from '../../test/harness.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { buildApp } from './app.ts';
import type { WardApp } from './types.ts';

export interface TestApp {
  readonly app: WardApp;
  readonly database: Database;
  /** Closes the app and the pool, drops the database and removes the folder. */
  close(): Promise<void>;
}

const quiet = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
};

export async function buildTestApp(
  extend: (app: WardApp) => void,
  options: { logger?: FastifyServerOptions['logger']; webDist?: string } = {},
): Promise<TestApp> {
  const testDatabase = await createTestDatabase();
  const dir = tempDir('ward-app-');
  let database: Database | undefined;
  try {
    const config = configFrom(dir.path, {
      'data.dir': path.join(dir.path, 'data'),
      'database.url': testDatabase.url,
      'database.runtime.role': testDatabase.runtimeRole,
      'token.secret': randomBytes(48).toString('base64'),
      'auth.2fa.password': randomBytes(48).toString('base64'),
    });
    database = await openDatabase(config, quiet);
    const app = await buildApp({
      config,
      database,
      logger: options.logger ?? false,
      ...(options.webDist ? { webDist: options.webDist } : {}),
    });
    extend(app);
    await app.ready();
    const opened = database;
    return {
      app,
      database: opened,
      close: async () => {
        await app.close();
        await opened.close();
        await testDatabase.drop();
        dir.remove();
      },
    };
  } catch (error) {
    await database?.close();
    await testDatabase.drop();
    dir.remove();
    throw error;
  }
}

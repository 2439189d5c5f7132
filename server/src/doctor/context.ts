import type { WardConfig } from '../config/types.ts';
import { openDatabase, type Database, type DatabaseLog } from '../db/database.ts';
import type { DoctorContext } from './check.ts';

/** The database could not be opened, so no database check can judge anything. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
}

export interface OpenDoctorContext extends DoctorContext {
  /** Closes the database (and stops the embedded server) if a check opened it. */
  close(): Promise<void>;
}

// Doctor reports what it finds line by line; the start-up log messages would only repeat them.
const QUIET: DatabaseLog = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  error: () => undefined,
};

/**
 * A context whose database is opened on first use, the way `ward start` opens it (starting the
 * embedded server briefly when there is no database.url), without starting Ward itself.
 */
export function createDoctorContext(
  config: WardConfig,
  now: Date,
  open: (config: WardConfig, log: DatabaseLog) => Promise<Database> = openDatabase,
): OpenDoctorContext {
  let opening: Promise<Database> | undefined;
  return {
    config,
    now,
    database: () => {
      // Opened as in development, where an over-privileged runtime role is a warning rather than a
      // refusal to start: doctor judges the role itself and still runs the other checks.
      opening ??= open({ ...config, mode: 'development' }, QUIET).catch((error: unknown) => {
        throw new DatabaseUnreachableError(error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      });
      return opening;
    },
    close: async () => {
      const database = await opening?.catch(() => undefined);
      await database?.close();
    },
  };
}

/** Runs `run` with TEST_DATABASE_URL for the run's PostgreSQL server (see test-postgres.js). */
export function withTestPostgres(
  run: (env: { TEST_DATABASE_URL: string }) => Promise<number>,
): Promise<number>;

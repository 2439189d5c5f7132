import { Type } from '@fastify/type-provider-typebox';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';

export interface HealthDeps {
  /** True when the database answers. */
  readonly databaseReachable: () => Promise<boolean>;
}

const Status = Type.Object({ status: Type.String() });

/** Liveness (the process answers) and readiness (it can reach its database). */
export function registerHealthRoutes(app: WardApp, deps: HealthDeps): void {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { hide: true, response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true, response: { 200: Status } } },
    async () => {
      if (!(await deps.databaseReachable())) {
        throw new ApiError('database_unavailable', 'The database is not reachable right now.');
      }
      return { status: 'ready' };
    },
  );
}

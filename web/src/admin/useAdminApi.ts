import { useMemo } from 'react';
import { useApi } from '../api/ApiContext.tsx';
import { createAdminApi, createSystemApi } from './api.ts';
import type { AdminApi, SystemApi } from './api.ts';

/** The administration calls of one institution. */
export function useAdminApi(institutionId: string): AdminApi {
  const api = useApi();
  return useMemo(() => createAdminApi(api, institutionId), [api, institutionId]);
}

/** The deployment-wide calls of system administrators. */
export function useSystemApi(): SystemApi {
  const api = useApi();
  return useMemo(() => createSystemApi(api), [api]);
}

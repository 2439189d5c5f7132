import { useMemo } from 'react';
import { useApi } from '../api/ApiContext.tsx';
import { createClinicalApi } from './api.ts';
import type { ClinicalApi } from './api.ts';

/** The patient and record calls of one institution. */
export function useClinicalApi(institutionId: string): ClinicalApi {
  const api = useApi();
  return useMemo(() => createClinicalApi(api, institutionId), [api, institutionId]);
}

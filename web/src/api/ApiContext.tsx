import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import type { ApiClient } from './client.ts';

// Handed down through context rather than imported, so tests and future screens can give pages another client.
const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }): ReactNode {
  return <ApiContext value={client}>{children}</ApiContext>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi() needs an <ApiProvider> above it');
  return client;
}

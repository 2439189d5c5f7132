import type { ApiClient } from '../api/client.ts';

/** Confirms the password (and the current code, with two-factor on); sensitive actions are open for a few minutes after. */
export async function reauthenticate(api: ApiClient, password: string, code: string): Promise<void> {
  const body = code === '' ? { password } : { password, code };
  await api.call('POST', '/api/me/reauthenticate', { body });
}

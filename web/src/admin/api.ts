// Typed calls for administration, over the app's one API client: an institution's staff and settings
// (for its administrators) and the deployment's institutions (for system administrators).
import type { ApiClient } from '../api/client.ts';
import type {
  CreatedInstitution,
  InstitutionSettings,
  InstitutionSettingsValues,
  InstitutionSummary,
  NewInstitution,
  NewStaffMember,
  SecurityLevel,
  SecurityLevelValues,
  SignInAttempt,
  StaffChange,
  StaffMember,
  StaffPage,
} from './types.ts';

export interface AdminApi {
  listStaff(query: string, cursor?: string): Promise<StaffPage>;
  getStaffMember(userId: string): Promise<StaffMember>;
  /** Creates the person; the answer carries the one-time link with which they choose their password. */
  inviteStaffMember(person: NewStaffMember): Promise<{ user: StaffMember; setPasswordLink: string }>;
  /** Fails with `version_conflict` when someone changed the person since `version` was read. */
  updateStaffMember(userId: string, version: number, change: StaffChange): Promise<StaffMember>;
  /** Disables the membership and ends every session of the person at once. */
  disableStaffMember(userId: string): Promise<StaffMember>;
  enableStaffMember(userId: string): Promise<StaffMember>;
  resetTwoFactor(userId: string): Promise<void>;
  /** Ends every session of the person; answers how many there were. */
  revokeSessions(userId: string): Promise<number>;
  passwordResetLink(userId: string): Promise<{ link: string; validHours: number }>;
  signInHistory(userId: string): Promise<SignInAttempt[]>;

  getSettings(): Promise<InstitutionSettings>;
  updateSettings(version: number, values: InstitutionSettingsValues): Promise<InstitutionSettings>;
  listSecurityLevels(): Promise<SecurityLevel[]>;
  updateSecurityLevel(levelId: string, version: number, values: SecurityLevelValues): Promise<SecurityLevel>;
}

export interface SystemApi {
  listInstitutions(): Promise<InstitutionSummary[]>;
  createInstitution(institution: NewInstitution): Promise<CreatedInstitution>;
}

// Answers are trusted to match types.ts: the server validates its own responses against the same schemas.
export function createAdminApi(api: ApiClient, institutionId: string): AdminApi {
  const base = `/api/institutions/${encodeURIComponent(institutionId)}`;
  const user = (id: string): string => `${base}/admin/users/${encodeURIComponent(id)}`;

  return {
    async listStaff(query, cursor) {
      const params = new URLSearchParams();
      if (query.trim() !== '') params.set('q', query.trim());
      if (cursor !== undefined) params.set('cursor', cursor);
      const search = params.toString();
      return (await api.call(
        'GET',
        `${base}/admin/users${search === '' ? '' : `?${search}`}`,
      )) as unknown as StaffPage;
    },
    async getStaffMember(userId) {
      return (await api.call('GET', user(userId))) as unknown as StaffMember;
    },
    async inviteStaffMember(person) {
      const body = person.email?.trim() === '' ? { ...person, email: undefined } : person;
      return (await api.call('POST', `${base}/admin/users`, { body })) as unknown as {
        user: StaffMember;
        setPasswordLink: string;
      };
    },
    async updateStaffMember(userId, version, change) {
      return (await api.call('PATCH', user(userId), {
        body: { version, ...change },
      })) as unknown as StaffMember;
    },
    async disableStaffMember(userId) {
      return (await api.call('POST', `${user(userId)}/disable`)) as unknown as StaffMember;
    },
    async enableStaffMember(userId) {
      return (await api.call('POST', `${user(userId)}/enable`)) as unknown as StaffMember;
    },
    async resetTwoFactor(userId) {
      await api.call('POST', `${user(userId)}/2fa/reset`);
    },
    async revokeSessions(userId) {
      const { revoked } = await api.call('POST', `${user(userId)}/sessions/revoke`);
      return typeof revoked === 'number' ? revoked : 0;
    },
    async passwordResetLink(userId) {
      return (await api.call('POST', `${user(userId)}/password-reset`)) as unknown as {
        link: string;
        validHours: number;
      };
    },
    async signInHistory(userId) {
      const { items } = await api.call('GET', `${user(userId)}/sign-ins?limit=20`);
      return items as SignInAttempt[];
    },

    async getSettings() {
      return (await api.call('GET', `${base}/settings`)) as unknown as InstitutionSettings;
    },
    async updateSettings(version, values) {
      return (await api.call('PUT', `${base}/settings`, {
        body: { version, ...values },
      })) as unknown as InstitutionSettings;
    },
    async listSecurityLevels() {
      const { items } = await api.call('GET', `${base}/security-levels`);
      return items as SecurityLevel[];
    },
    async updateSecurityLevel(levelId, version, values) {
      return (await api.call('PUT', `${base}/security-levels/${encodeURIComponent(levelId)}`, {
        body: { version, ...values },
      })) as unknown as SecurityLevel;
    },
  };
}

export function createSystemApi(api: ApiClient): SystemApi {
  return {
    async listInstitutions() {
      const { items } = await api.call('GET', '/api/admin/institutions');
      return items as InstitutionSummary[];
    },
    async createInstitution(institution) {
      const email = institution.firstAdmin.email?.trim();
      const body = {
        ...institution,
        firstAdmin: { ...institution.firstAdmin, email: email === '' ? undefined : email },
      };
      return (await api.call('POST', '/api/admin/institutions', { body })) as unknown as CreatedInstitution;
    },
  };
}

// Typed calls for an institution's audit trail and the review of justified accesses, over the app's one client.
import type { ApiClient } from '../api/client.ts';

export interface AuditEvent {
  id: string;
  occurredAt: string;
  /** Null for an account-level event of a member (a sign-in, say), which belongs to no one institution. */
  institutionId: string | null;
  actorId: string | null;
  actorUsername: string | null;
  action: string;
  /** success, denied or failure. */
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  patientId: string | null;
  ip: string | null;
  userAgent: string | null;
  reason: string | null;
  details: unknown;
}

export interface AuditPage {
  items: AuditEvent[];
  /** Pass as `before` for the next, older page; null at the oldest. */
  nextBefore: string | null;
}

export interface AuditFilter {
  actor?: string;
  patient?: string;
  action?: string;
  /** ISO instants. */
  from?: string;
  to?: string;
}

export interface AccessJustification {
  id: string;
  userId: string;
  username: string;
  patientId: string;
  reason: string;
  detail: string;
  grantedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
}

export interface AuditApi {
  listEvents(filter: AuditFilter, before?: string): Promise<AuditPage>;
  listJustificationsToReview(): Promise<AccessJustification[]>;
  markReviewed(justificationId: string): Promise<void>;
}

// Answers are trusted to match these types: the server validates its own responses against the same schemas.
export function createAuditApi(api: ApiClient, institutionId: string): AuditApi {
  const base = `/api/institutions/${encodeURIComponent(institutionId)}`;
  return {
    async listEvents(filter, before) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) {
        if (typeof value === 'string' && value !== '') params.set(key, value);
      }
      if (before !== undefined) params.set('before', before);
      return (await api.call('GET', `${base}/audit?${params.toString()}`)) as unknown as AuditPage;
    },
    async listJustificationsToReview() {
      const { items } = await api.call('GET', `${base}/access-justifications?unreviewed=true`);
      return items as AccessJustification[];
    },
    async markReviewed(justificationId) {
      await api.call('POST', `${base}/access-justifications/${encodeURIComponent(justificationId)}/review`);
    },
  };
}

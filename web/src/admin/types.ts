// The shapes of the administration API's answers, as the server's route schemas declare them.

/** Roles within an institution; the system administrator is a property of the account, not a role. */
export const INSTITUTION_ROLES = [
  'institution_admin',
  'doctor',
  'nurse',
  'administrative',
  'auditor',
] as const;
export type InstitutionRole = (typeof INSTITUTION_ROLES)[number];

/** ISO weekdays: 1 = Monday … 7 = Sunday. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export interface AccessWindow {
  /** ISO weekdays the window starts on. */
  days: number[];
  /** "HH:MM" in the institution's time zone. */
  start: string;
  /** "HH:MM"; at or before `start` means the window ends the next day. */
  end: string;
}

export type AccessHoursMode = 'always' | 'within' | 'outside';

export type AccessHours = { mode: 'always' } | { mode: 'within' | 'outside'; windows: AccessWindow[] };

export interface StaffMember {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: string[];
  securityLevel: { id: string; name: string };
  disabled: boolean;
  exportPermission: { granted: boolean; note: string | null; changedAt: string | null };
  accessHours: AccessHours;
  twoFactorEnabled: boolean;
  lastSignInAt: string | null;
  /** Sent back with every change: a change to a stale version is refused with `version_conflict`. */
  version: number;
}

export interface StaffPage {
  items: StaffMember[];
  nextCursor: string | null;
}

export interface NewStaffMember {
  username: string;
  displayName: string;
  email?: string;
  roles: InstitutionRole[];
  /** A security level's name. */
  level: string;
}

/** What one save changes; the rest of the person stays as it is. */
export interface StaffChange {
  roles?: InstitutionRole[];
  level?: string;
  exportPermission?: { granted: boolean; note?: string };
  accessHours?: AccessHours;
}

/** How a change ended: saved, or refused because someone else changed the person first (the page reloaded). */
export type SaveOutcome = 'saved' | 'conflict';

/** Saves one change against the version the page read; throws for any other refusal. */
export type SaveChange = (change: StaffChange) => Promise<SaveOutcome>;

export interface SignInAttempt {
  at: string;
  ip: string;
  userAgent: string;
  outcome: string;
}

export interface InstitutionSettingsValues {
  name: string;
  timeZone: string;
  twoFactorEnabled: boolean;
  justifiedAccessHours: number;
  nursesWriteNotes: boolean;
  careRelationshipDays: number;
}

export interface InstitutionSettings extends InstitutionSettingsValues {
  id: string;
  version: number;
}

export interface SecurityLevelValues {
  minLength: number;
  historyCount: number;
  /** 0 = passwords never expire. */
  maxAgeDays: number;
  requireSecondFactor: boolean;
  idleTimeoutMinutes: number;
  absoluteTimeoutMinutes: number;
  compositionRequired: boolean;
}

export interface SecurityLevel extends SecurityLevelValues {
  id: string;
  name: string;
  version: number;
}

export interface InstitutionSummary {
  id: string;
  name: string;
  timeZone: string;
  twoFactorEnabled: boolean;
  createdAt: string;
  activeStaff: number;
  activeAdministrators: number;
}

export interface NewInstitution {
  name: string;
  timeZone: string;
  twoFactorEnabled: boolean;
  firstAdmin: { username: string; displayName: string; email?: string };
}

export interface CreatedInstitution {
  institution: { id: string; name: string; timeZone: string; twoFactorEnabled: boolean };
  firstAdmin: { id: string; username: string };
  setPasswordLink: string;
}

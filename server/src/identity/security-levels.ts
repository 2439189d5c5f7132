import type { PasswordRules } from '../auth/passwords/index.ts';
import { MIN_LENGTH_WITH_SECOND_FACTOR, minimumLengthFor } from '../auth/passwords/index.ts';

/** What a security level asks of a user's credentials and sessions. */
export interface SecurityLevel {
  readonly name: string;
  readonly minLength: number;
  readonly historyCount: number;
  /** Days until a password must be changed; 0 = never (the NIST default). */
  readonly maxAgeDays: number;
  readonly requireSecondFactor: boolean;
  readonly idleTimeoutMinutes: number;
  readonly absoluteTimeoutMinutes: number;
  readonly compositionRequired: boolean;
}

/** The three levels every institution starts with. */
export const DEFAULT_SECURITY_LEVELS: readonly SecurityLevel[] = [
  {
    name: 'Standard',
    minLength: MIN_LENGTH_WITH_SECOND_FACTOR,
    historyCount: 0,
    maxAgeDays: 0,
    requireSecondFactor: false,
    idleTimeoutMinutes: 30,
    absoluteTimeoutMinutes: 12 * 60,
    compositionRequired: false,
  },
  {
    name: 'High',
    minLength: 12,
    historyCount: 5,
    maxAgeDays: 90,
    requireSecondFactor: true,
    idleTimeoutMinutes: 15,
    absoluteTimeoutMinutes: 12 * 60,
    compositionRequired: false,
  },
  {
    name: 'Maximum',
    minLength: 15,
    historyCount: 10,
    maxAgeDays: 90,
    requireSecondFactor: true,
    idleTimeoutMinutes: 10,
    absoluteTimeoutMinutes: 8 * 60,
    compositionRequired: false,
  },
];

/** Users with no institution (the built-in system administrator) get the Standard level. */
export const SYSTEM_LEVEL: SecurityLevel = {
  name: 'System',
  minLength: MIN_LENGTH_WITH_SECOND_FACTOR,
  historyCount: 0,
  maxAgeDays: 0,
  requireSecondFactor: false,
  idleTimeoutMinutes: 30,
  absoluteTimeoutMinutes: 12 * 60,
  compositionRequired: false,
};

/**
 * A user with memberships in several institutions is held to the strictest of their levels, so
 * that joining a lax institution never weakens what a strict one demands.
 */
export function strictestLevel(levels: readonly SecurityLevel[]): SecurityLevel {
  if (levels.length === 0) return SYSTEM_LEVEL;
  const positive = levels.map((l) => l.maxAgeDays).filter((d) => d > 0);
  return {
    name: levels.map((l) => l.name).join(' + '),
    minLength: Math.max(...levels.map((l) => l.minLength)),
    historyCount: Math.max(...levels.map((l) => l.historyCount)),
    maxAgeDays: positive.length > 0 ? Math.min(...positive) : 0,
    requireSecondFactor: levels.some((l) => l.requireSecondFactor),
    idleTimeoutMinutes: Math.min(...levels.map((l) => l.idleTimeoutMinutes)),
    absoluteTimeoutMinutes: Math.min(...levels.map((l) => l.absoluteTimeoutMinutes)),
    compositionRequired: levels.some((l) => l.compositionRequired),
  };
}

/** The password rules a level imposes, given whether the user has a second factor (NIST: 8 with, 15 without). */
export function passwordRulesFor(level: SecurityLevel, hasSecondFactor: boolean): PasswordRules {
  return {
    minLength: minimumLengthFor({ levelMinLength: level.minLength, hasSecondFactor }),
    maxLength: 128,
    composition: level.compositionRequired,
  };
}

/** Whether a password set at `changedAt` has outlived the level's maximum age. */
export function passwordExpired(level: SecurityLevel, changedAt: Date | null, now: Date): boolean {
  if (level.maxAgeDays === 0) return false;
  if (changedAt === null) return true;
  return now.getTime() - changedAt.getTime() > level.maxAgeDays * 86_400_000;
}

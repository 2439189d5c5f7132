import type { TFunction } from 'i18next';
import { signInOutcomeLabel } from '../format/sign-in-outcome.ts';
import { reasonLabel as justificationReasonLabel } from '../clinical/labels.ts';
import type { AuditEvent } from './api.ts';

// Each action Ward records and its key in the catalogue (whose keys cannot hold dots, which separate
// their levels), in the order the filter offers them.
const ACTION_KEYS = {
  'patient.search': 'patient_search',
  'patient.read': 'patient_read',
  'patient.create': 'patient_create',
  'patient.update': 'patient_update',
  'clinical.read': 'clinical_read',
  'encounter.create': 'encounter_create',
  'note.create': 'note_create',
  'note.update': 'note_update',
  'note.sign': 'note_sign',
  'note.amend': 'note_amend',
  'diagnosis.create': 'diagnosis_create',
  'allergy.create': 'allergy_create',
  'access.justified': 'access_justified',
  'access.reviewed': 'access_reviewed',
  'audit.read': 'audit_read',
  'auth.sign_in': 'auth_sign_in',
  'auth.sign_in_failed': 'auth_sign_in_failed',
  'auth.sign_out': 'auth_sign_out',
  'auth.reauthenticate': 'auth_reauthenticate',
  'account.session_revoke': 'account_session_revoke',
  'account.password_change': 'account_password_change',
  'account.password_reset': 'account_password_reset',
  'twofactor.enable': 'twofactor_enable',
  'twofactor.disable': 'twofactor_disable',
} as const;

type KnownAction = keyof typeof ACTION_KEYS;

export const AUDIT_ACTIONS = Object.keys(ACTION_KEYS) as KnownAction[];

const isKnownAction = (action: string): action is KnownAction => Object.hasOwn(ACTION_KEYS, action);

/** A readable name for an action; one the app does not know yet is shown as recorded. */
export function actionLabel(action: string, t: TFunction): string {
  return isKnownAction(action) ? t(`audit.actions.${ACTION_KEYS[action]}`) : action;
}

export function outcomeLabel(outcome: string, t: TFunction): string {
  switch (outcome) {
    case 'success':
    case 'denied':
    case 'failure':
      return t(`audit.outcomes.${outcome}`);
    default:
      return outcome;
  }
}

/** The event's reason: why a sign-in failed, or why a clinician opened a record. */
export function reasonLabel(event: AuditEvent, t: TFunction): string | null {
  if (event.reason === null) return null;
  return event.action.startsWith('auth.')
    ? signInOutcomeLabel(event.reason, t)
    : justificationReasonLabel(event.reason, t);
}

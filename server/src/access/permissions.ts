import type { InstitutionRole } from '../identity/roles.ts';

/** Everything a member of an institution may be allowed to do there. */
export const ACTIONS = [
  'patient.search',
  'patient.read',
  'patient.create',
  'patient.update',
  'clinical.read',
  'encounter.create',
  'note.write',
  'diagnosis.write',
  'allergy.write',
  'audit.read',
  'access.review',
  'users.manage',
  'institution.manage',
  'export.run',
] as const;

export type Action = (typeof ACTIONS)[number];

/**
 * The role × action matrix: the one place that says who may do what. Clinical content is for
 * doctors and nurses; administrative staff keep demographics; auditors read the trail; institution
 * administrators manage people, not records (unless they also hold a clinical role).
 * `note.write` for nurses is further subject to the institution's `nurses_write_notes` setting.
 */
export const ROLE_ACTIONS: Readonly<Record<InstitutionRole, readonly Action[]>> = {
  doctor: [
    'patient.search',
    'patient.read',
    'patient.create',
    'patient.update',
    'clinical.read',
    'encounter.create',
    'note.write',
    'diagnosis.write',
    'allergy.write',
    'export.run',
  ],
  nurse: [
    'patient.search',
    'patient.read',
    'clinical.read',
    'encounter.create',
    'note.write',
    'allergy.write',
    'export.run',
  ],
  administrative: ['patient.search', 'patient.read', 'patient.create', 'patient.update', 'export.run'],
  auditor: ['audit.read', 'access.review'],
  institution_admin: ['audit.read', 'access.review', 'users.manage', 'institution.manage'],
};

/** Roles whose members have a duty of care, and so may state a reason for justified access. */
export const CLINICAL_ROLES: readonly InstitutionRole[] = ['doctor', 'nurse'];

export function rolesAllow(
  roles: readonly InstitutionRole[],
  action: Action,
  settings: { nursesWriteNotes: boolean },
): boolean {
  return roles.some((role) => {
    if (!ROLE_ACTIONS[role].includes(action)) return false;
    if (role === 'nurse' && action === 'note.write') return settings.nursesWriteNotes;
    return true;
  });
}

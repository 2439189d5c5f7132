/**
 * Roles within an institution, in one place. The system administrator is not among them: it is a
 * property of the user (`is_system_admin`), global to the deployment.
 */
export const INSTITUTION_ROLES = [
  'institution_admin',
  'doctor',
  'nurse',
  'administrative',
  'auditor',
] as const;

export type InstitutionRole = (typeof INSTITUTION_ROLES)[number];

export function isInstitutionRole(value: string): value is InstitutionRole {
  return (INSTITUTION_ROLES as readonly string[]).includes(value);
}

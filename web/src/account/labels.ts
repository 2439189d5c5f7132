import type { TFunction } from 'i18next';

// Roles and the default security levels are fixed names the app can translate; a level an institution
// created under its own name is shown as they wrote it.

export function roleLabel(role: string, t: TFunction): string {
  switch (role) {
    case 'institution_admin':
    case 'doctor':
    case 'nurse':
    case 'administrative':
    case 'auditor':
      return t(`roles.${role}`);
    default:
      return role;
  }
}

export function securityLevelLabel(level: string, t: TFunction): string {
  switch (level) {
    case 'Standard':
    case 'High':
    case 'Maximum':
    case 'System':
      return t(`levels.${level}`);
    default:
      return level;
  }
}

import type { ReactNode } from 'react';
import { InstitutionSettingsPage } from './InstitutionSettingsPage.tsx';
import { InstitutionsPage } from './InstitutionsPage.tsx';
import { StaffMemberPage, staffMemberIdIn } from './StaffMemberPage.tsx';
import { StaffPage } from './StaffPage.tsx';

/** The administration page a path shows, or undefined when the path is not one of them. */
export function adminPageAt(path: string): (() => ReactNode) | undefined {
  switch (path) {
    case '/admin':
    case '/admin/users':
      return StaffPage;
    case '/admin/settings':
      return InstitutionSettingsPage;
    case '/admin/institutions':
      return InstitutionsPage;
    default:
      return staffMemberIdIn(path) === undefined ? undefined : StaffMemberPage;
  }
}

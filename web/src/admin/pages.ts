import type { ComponentType } from 'react';
import { lazyFeaturePage } from '../router/lazyPage.tsx';
import { staffMemberIdIn } from './paths.ts';

// Fetched the first time one of them is shown, all in one chunk.
const adminPages = () => import('./admin-pages.ts');
const StaffPage = lazyFeaturePage(adminPages, (m) => m.StaffPage);
const InstitutionSettingsPage = lazyFeaturePage(adminPages, (m) => m.InstitutionSettingsPage);
const InstitutionsPage = lazyFeaturePage(adminPages, (m) => m.InstitutionsPage);
const StaffMemberPage = lazyFeaturePage(adminPages, (m) => m.StaffMemberPage);

/** The administration page a path shows, or undefined when the path is not one of them. */
export function adminPageAt(path: string): ComponentType | undefined {
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

import type { AdminPage } from './AdminPages.tsx';
import { staffMemberIdIn } from './paths.ts';

/** The administration page a path shows, or undefined when the path is not one of them. */
export function adminPageAt(path: string): AdminPage | undefined {
  switch (path) {
    case '/admin':
    case '/admin/users':
      return 'staff';
    case '/admin/settings':
      return 'settings';
    case '/admin/institutions':
      return 'institutions';
    default:
      return staffMemberIdIn(path) === undefined ? undefined : 'staffMember';
  }
}

import type { ReactNode } from 'react';
import { InstitutionSettingsPage } from './InstitutionSettingsPage.tsx';
import { InstitutionsPage } from './InstitutionsPage.tsx';
import { StaffMemberPage } from './StaffMemberPage.tsx';
import { StaffPage } from './StaffPage.tsx';

const PAGES = {
  staff: StaffPage,
  staffMember: StaffMemberPage,
  settings: InstitutionSettingsPage,
  institutions: InstitutionsPage,
};

export type AdminPage = keyof typeof PAGES;

/**
 * The administration pages: one chunk, fetched the first time one of them is shown. Being one component,
 * it shows the others at once after that.
 */
export function AdminPages({ page }: { page: AdminPage }): ReactNode {
  const Page = PAGES[page];
  return <Page />;
}

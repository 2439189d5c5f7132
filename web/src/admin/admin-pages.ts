// The administration pages, fetched as one chunk the first time any of them is shown.
export { InstitutionSettingsPage } from './InstitutionSettingsPage.tsx';
export { InstitutionsPage } from './InstitutionsPage.tsx';
export { StaffMemberPage } from './StaffMemberPage.tsx';
export { StaffPage } from './StaffPage.tsx';

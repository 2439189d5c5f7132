import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { useInstitution } from '../clinical/InstitutionContext.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { AdminSubNav } from './AdminSubNav.tsx';
import './admin.css';

/** Whether the member administers the institution (its staff and settings). */
export function administers(membership: Membership | undefined): boolean {
  return membership?.roles.includes('institution_admin') === true;
}

/**
 * An administration page of the current institution, shown only to its administrators: everyone else
 * is told why, and nothing is asked of the server on their behalf.
 */
export function AdminGate({
  title,
  children,
}: {
  title: string;
  children: (institution: Membership) => ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const { current } = useInstitution();
  if (current && administers(current)) {
    return (
      <div className="page admin">
        <AdminSubNav institution={current} />
        {children(current)}
      </div>
    );
  }
  return (
    <div className="page">
      <PageHeading title={title} />
      <p className="message message--info" role="status">
        {current
          ? t('admin.gate.notAdministrator', { institution: current.institutionName })
          : t('admin.gate.noInstitution')}
      </p>
    </div>
  );
}

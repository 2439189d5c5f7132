import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import type { Capabilities } from './capabilities.ts';
import { useInstitution } from './InstitutionContext.tsx';
import './clinical.css';

/**
 * Shows a page only to a member whose roles in the current institution allow it; everyone else is
 * told why, and nothing is requested from the server on their behalf.
 */
export function InstitutionGate({
  title,
  need,
  children,
}: {
  title: string;
  need: keyof Capabilities;
  children: (institution: Membership) => ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const { current, can } = useInstitution();
  if (current && can[need]) return children(current);
  return (
    <div className="page">
      <PageHeading title={title} />
      <p className="message message--info" role="status">
        {current
          ? t('clinical.institution.notAllowed', { institution: current.institutionName })
          : t('clinical.institution.none')}
      </p>
    </div>
  );
}

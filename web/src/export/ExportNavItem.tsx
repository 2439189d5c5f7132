import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useInstitution } from '../clinical/InstitutionContext.tsx';
import { Link } from '../router/Router.tsx';
import { mayAskToExport } from './roles.ts';

/**
 * The header's link to exports, for the roles that may export at all. Whether this person holds the
 * export permission is the server's to say (it is not in /api/me); the page explains a refusal.
 */
export function ExportNavItem(): ReactNode {
  const { t } = useTranslation();
  const { current } = useInstitution();
  if (!mayAskToExport(current?.roles ?? [])) return null;
  return (
    <li>
      <Link to="/export">{t('nav.export')}</Link>
    </li>
  );
}

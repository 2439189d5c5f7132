import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useInstitution } from '../clinical/InstitutionContext.tsx';
import { Link } from '../router/Router.tsx';
import { useMe } from '../session/SessionContext.tsx';
import { administers } from './AdminGate.tsx';

/**
 * The header's way into administration: "Administration" for the current institution's
 * administrators, "Institutions" for system administrators. Rendered as items of the account bar's list.
 */
export function AdminNav(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const { current } = useInstitution();
  return (
    <>
      {administers(current) && (
        <li>
          <Link to="/admin/users">{t('nav.administration')}</Link>
        </li>
      )}
      {me.user.isSystemAdmin && (
        <li>
          <Link to="/admin/institutions">{t('nav.institutions')}</Link>
        </li>
      )}
    </>
  );
}

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { Link, useRouter } from '../router/Router.tsx';

/** Administration's own pages, named as the institutions' guide names them. */
export function AdminSubNav({ institution }: { institution: Membership }): ReactNode {
  const { t } = useTranslation();
  const { path } = useRouter();
  const onUsers = path === '/admin/users' || path.startsWith('/admin/users/');
  return (
    <nav className="admin-subnav" aria-label={t('admin.nav.section')}>
      <p className="admin-subnav__where">
        {t('nav.administration')} · {institution.institutionName}
      </p>
      <ul className="admin-subnav__links">
        <li>
          <Link to="/admin/users" className={onUsers ? 'is-active' : undefined}>
            {t('admin.nav.users')}
          </Link>
        </li>
        <li>
          <Link to="/admin/settings" className={path === '/admin/settings' ? 'is-active' : undefined}>
            {t('admin.nav.settings')}
          </Link>
        </li>
      </ul>
    </nav>
  );
}

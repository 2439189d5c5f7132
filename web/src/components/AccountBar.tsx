import { useState } from 'react';
import type { ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { AdminNav } from '../admin/AdminNav.tsx';
import type { Me } from '../api/types.ts';
import { WorkNav } from '../clinical/WorkNav.tsx';
import { ExportNavItem } from '../export/ExportNavItem.tsx';
import { Link, useRouter } from '../router/Router.tsx';
import { useSession } from '../session/SessionContext.tsx';

/** Who is signed in, and the way out: on every page a signed-in user sees, restricted states included. */
export function AccountBar({ me }: { me: Me }): ReactNode {
  const { t } = useTranslation();
  const session = useSession();
  const { navigate } = useRouter();
  const [leaving, setLeaving] = useState(false);
  // Until the password is changed (or a second factor enrolled), the other pages are not open.
  const restricted = me.sessionState !== 'active';

  async function logout(): Promise<void> {
    setLeaving(true);
    await session.signOut();
    navigate('/', { replace: true });
  }

  return (
    <nav className="account-bar" aria-label={t('nav.label')}>
      <div className="account-bar__inner">
        <p className="account-bar__user">
          <Trans
            i18nKey="nav.signedInAs"
            values={{ name: me.user.displayName }}
            components={{ strong: <strong /> }}
          />
        </p>
        <ul className="account-bar__links">
          {!restricted && (
            <>
              <li>
                <Link to="/">{t('nav.home')}</Link>
              </li>
              <li>
                <Link to="/profile">{t('nav.profile')}</Link>
              </li>
              <WorkNav />
              <ExportNavItem />
              <AdminNav />
            </>
          )}
          <li>
            <button
              type="button"
              className="link-button"
              disabled={leaving}
              aria-busy={leaving}
              onClick={() => void logout()}
            >
              {leaving ? t('nav.loggingOut') : t('nav.logout')}
            </button>
          </li>
        </ul>
      </div>
    </nav>
  );
}

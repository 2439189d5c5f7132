import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../router/Router.tsx';
import { useSession } from '../session/SessionContext.tsx';
import { AccountBar } from './AccountBar.tsx';
import { LanguageSelector } from './LanguageSelector.tsx';

export function AppHeader(): ReactNode {
  const { t } = useTranslation();
  const { status } = useSession();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <p className="brand">
          <Link to="/" className="brand__link">
            <img className="brand__mark" src="/icons/icon.svg" alt="" width="28" height="28" />
            <span className="brand__name">{t('app.name')}</span>
          </Link>
          <span className="brand__tagline">{t('app.tagline')}</span>
        </p>
        <LanguageSelector />
      </div>
      {status.kind === 'signedIn' && <AccountBar me={status.me} />}
    </header>
  );
}

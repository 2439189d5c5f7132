import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSelector } from './LanguageSelector.tsx';

export function AppHeader(): ReactNode {
  const { t } = useTranslation();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <p className="brand">
          <img className="brand__mark" src="/icons/icon.svg" alt="" width="28" height="28" />
          <span className="brand__name">{t('app.name')}</span>
          <span className="brand__tagline">{t('app.tagline')}</span>
        </p>
        <LanguageSelector />
      </div>
    </header>
  );
}

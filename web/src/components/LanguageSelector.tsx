import { useId } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isSupportedLanguage, supportedLanguages } from '../i18n/index.ts';

export function LanguageSelector(): ReactNode {
  const { t, i18n } = useTranslation();
  const id = useId();
  const current = isSupportedLanguage(i18n.resolvedLanguage ?? '') ? i18n.resolvedLanguage : 'en';

  return (
    <div className="language-selector">
      <label htmlFor={id} className="visually-hidden">
        {t('language.label')}
      </label>
      <select
        id={id}
        value={current}
        onChange={(event) => {
          void i18n.changeLanguage(event.target.value);
        }}
      >
        {supportedLanguages.map((language) => (
          // Each language is named in itself, so a reader can find theirs whatever the page shows now.
          <option key={language} value={language} lang={language}>
            {t(`language.${language}`, { lng: language })}
          </option>
        ))}
      </select>
    </div>
  );
}

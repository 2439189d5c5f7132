import { createInstance } from 'i18next';
import type { i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import adminEn from '../admin/i18n/en.json';
import adminEs from '../admin/i18n/es.json';
import auditEn from '../audit/i18n/en.json';
import auditEs from '../audit/i18n/es.json';
import clinicalEn from '../clinical/i18n/en.json';
import clinicalEs from '../clinical/i18n/es.json';
import exportEn from '../export/i18n/en.json';
import exportEs from '../export/i18n/es.json';
import en from './en.json';
import es from './es.json';

export const supportedLanguages = ['en', 'es'] as const;
export type Language = (typeof supportedLanguages)[number];

const fallbackLanguage: Language = 'en';

// Catalogues are bundled with the app: the CSP allows no third-party origin, and the sign-in page must
// render in the user's language without waiting for a second request.
// `satisfies` makes a key missing from the Spanish catalogue a compile error.
// Features with many strings of their own (clinical records, audit) keep them in their folder under one
// top-level key each.
const resources = {
  en: { translation: { ...en, ...clinicalEn, ...auditEn, ...adminEn, ...exportEn } },
  es: {
    translation: {
      ...(es satisfies typeof en),
      ...(clinicalEs satisfies typeof clinicalEn),
      ...(auditEs satisfies typeof auditEn),
      ...(adminEs satisfies typeof adminEn),
      ...(exportEs satisfies typeof exportEn),
    },
  },
};

export function isSupportedLanguage(value: string): value is Language {
  return (supportedLanguages as readonly string[]).includes(value);
}

/** The first supported language among the user's choices, matched on the primary subtag (es-AR → es). */
export function pickLanguage(preferred: readonly (string | null | undefined)[]): Language {
  for (const tag of preferred) {
    const primary = tag?.toLowerCase().split('-')[0];
    if (primary !== undefined && isSupportedLanguage(primary)) return primary;
  }
  return fallbackLanguage;
}

/** A new i18next instance, ready to render synchronously in `language`. */
export function createI18n(language: Language): i18n {
  const instance = createInstance();
  void instance.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: fallbackLanguage,
    supportedLngs: supportedLanguages,
    // React already escapes what it renders.
    interpolation: { escapeValue: false },
    // Resources are in memory, so initialise before the first render instead of on a later tick.
    initAsync: false,
  });
  return instance;
}

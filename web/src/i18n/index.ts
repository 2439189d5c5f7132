import { createInstance } from 'i18next';
import type { i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import es from './es.json';

export const supportedLanguages = ['en', 'es'] as const;
export type Language = (typeof supportedLanguages)[number];

const fallbackLanguage: Language = 'en';

/** Strings in every supported language, under the one i18next namespace the app uses. */
export type Strings = Readonly<Record<Language, Record<string, unknown>>>;

// The main catalogues are bundled with the app: the CSP allows no third-party origin, and the sign-in page
// must render in the user's language without waiting for a second request. `satisfies` makes a key
// missing from the Spanish catalogue a compile error. Features with many strings of their own (clinical
// records, audit, administration, export) keep them in their folder under one top-level key each, and
// those come with the features' code: see feature-strings.ts.
const resources = {
  en: { translation: en },
  es: { translation: es satisfies typeof en },
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

/** The feature pages' strings; a chunk of their own, fetched with the first of those pages. */
export async function loadFeatureStrings(): Promise<Strings> {
  return (await import('./feature-strings.ts')).featureStrings;
}

/** Adds strings to an instance, in every language, next to those it has. */
export function addStrings(instance: i18n, strings: Strings): void {
  for (const language of supportedLanguages) {
    instance.addResourceBundle(language, 'translation', strings[language], true, false);
  }
}

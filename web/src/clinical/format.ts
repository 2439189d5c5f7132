import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** A calendar date from the API (YYYY-MM-DD) in the reader's language; no time zone can shift it. */
export function useCalendarDate(): (date: string) => string {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return useMemo(() => {
    // The reader's own variant of the language (en-GB, es-AR) when the browser names one, as useFormat does.
    const locale =
      navigator.languages.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
    const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    return (date: string) => {
      const parsed = new Date(`${date}T00:00:00Z`);
      return Number.isNaN(parsed.getTime()) ? date : format.format(parsed);
    };
  }, [language]);
}

/** The value of a datetime-local input as an ISO instant, read in the browser's time zone. */
export function instantFromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

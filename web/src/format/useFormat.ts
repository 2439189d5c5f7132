import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { summariseUserAgent } from './user-agent.ts';

export interface Format {
  /** A moment from the API (ISO 8601, UTC) in the reader's language and the browser's time zone. */
  dateTime(iso: string): string;
  /** "Chrome 131 on Linux", or as much of it as the User-Agent tells. */
  device(userAgent: string): string;
}

/**
 * The reader's own variant of the app's language for dates (en-GB, es-AR), when the browser names one;
 * the app's language alone otherwise.
 */
function localeFor(language: string): string {
  return navigator.languages.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}

export function useFormat(): Format {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return useMemo(() => {
    const dates = new Intl.DateTimeFormat(localeFor(language), { dateStyle: 'medium', timeStyle: 'medium' });
    return {
      dateTime(iso) {
        const date = new Date(iso);
        return Number.isNaN(date.getTime()) ? iso : dates.format(date);
      },
      device(userAgent) {
        const { browser, os } = summariseUserAgent(userAgent);
        if (browser !== null && os !== null) return t('device.browserOnSystem', { browser, os });
        return browser ?? os ?? t('device.unknown');
      },
    };
  }, [language, t]);
}

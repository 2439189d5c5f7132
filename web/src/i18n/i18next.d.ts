import 'i18next';
import type adminEn from '../admin/i18n/en.json';
import type auditEn from '../audit/i18n/en.json';
import type clinicalEn from '../clinical/i18n/en.json';
import type exportEn from '../export/i18n/en.json';
import type stepupEn from '../stepup/i18n/en.json';
import type en from './en.json';

// English is the reference catalogue: t() only accepts keys that exist in it.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: {
      translation: typeof en &
        typeof clinicalEn &
        typeof auditEn &
        typeof adminEn &
        typeof exportEn &
        typeof stepupEn;
    };
  }
}

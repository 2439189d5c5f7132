// The strings of the feature pages (clinical records, audit, export, administration, step-up), in every language.
// They arrive with those pages' code (see lazyFeaturePage) rather than with the sign-in page; the strings
// the app's shell shows are in the main catalogues. `satisfies` makes a key missing from a Spanish
// catalogue a compile error.
import adminEn from '../admin/i18n/en.json';
import adminEs from '../admin/i18n/es.json';
import auditEn from '../audit/i18n/en.json';
import auditEs from '../audit/i18n/es.json';
import clinicalEn from '../clinical/i18n/en.json';
import clinicalEs from '../clinical/i18n/es.json';
import exportEn from '../export/i18n/en.json';
import exportEs from '../export/i18n/es.json';
import stepupEn from '../stepup/i18n/en.json';
import stepupEs from '../stepup/i18n/es.json';
import type { Strings } from './index.ts';

export const featureStrings: Strings = {
  en: { ...clinicalEn, ...auditEn, ...adminEn, ...exportEn, ...stepupEn },
  es: {
    ...(clinicalEs satisfies typeof clinicalEn),
    ...(auditEs satisfies typeof auditEn),
    ...(adminEs satisfies typeof adminEn),
    ...(exportEs satisfies typeof exportEn),
    ...(stepupEs satisfies typeof stepupEn),
  },
};

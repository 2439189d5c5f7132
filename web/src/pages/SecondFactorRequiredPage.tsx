import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';
import { RequiredEnrolment } from '../twofactor/RequiredEnrolment.tsx';

/**
 * Shown on every path while the session may only enrol a second factor, because the user's security level
 * requires one. The server refuses everything else until then; Logout stays in the header.
 */
export function SecondFactorRequiredPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <section className="card card--wide">
      <PageHeading title={t('secondFactorRequired.title')} />
      <p className="message message--warning card__intro">{t('secondFactorRequired.body')}</p>
      <RequiredEnrolment />
    </section>
  );
}

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';

/** Shown while the session may only enrol a second factor; Logout stays in the header. */
export function SecondFactorRequiredPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <section className="card card--wide">
      <PageHeading title={t('secondFactorRequired.title')} />
      <p className="message message--warning">{t('secondFactorRequired.body')}</p>
    </section>
  );
}

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';
import { Link } from '../router/Router.tsx';

export function NotFoundPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <section className="card">
      <PageHeading title={t('notFound.title')} />
      <p className="card__intro">{t('notFound.body')}</p>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </section>
  );
}

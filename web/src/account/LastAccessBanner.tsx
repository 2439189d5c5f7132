import { useId } from 'react';
import type { ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { Me } from '../api/types.ts';
import { useFormat } from '../format/useFormat.ts';
import { Link } from '../router/Router.tsx';

/**
 * "When you sign in, check when your last access was": the previous successful sign-in and the failed
 * attempts since, so a user notices someone else's use of their account. Failures turn it into a warning.
 */
export function LastAccessBanner({ me }: { me: Me }): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const previous = me.lastAccess;
  const failed = previous?.failedSince ?? me.failedSinceLastAccess;
  const warning = failed > 0;

  return (
    <section
      className={`last-access${warning ? ' last-access--warning' : ''}`}
      aria-labelledby={`${id}-title`}
      data-failed={failed}
    >
      <h2 id={`${id}-title`} className="last-access__title">
        {t('home.lastAccess.title')}
      </h2>
      <p className="last-access__previous">
        {previous === null ? (
          t('home.lastAccess.first')
        ) : (
          <Trans
            i18nKey="home.lastAccess.previous"
            values={{
              time: format.dateTime(previous.at),
              ip: previous.ip,
              device: format.device(previous.userAgent),
            }}
            components={{ time: <time dateTime={previous.at} />, strong: <strong /> }}
          />
        )}
      </p>
      {warning ? (
        <>
          <p className="last-access__failures">
            {previous === null
              ? t('home.lastAccess.failedBefore', { count: failed })
              : t('home.lastAccess.failedSince', { count: failed })}
          </p>
          <p>{t('home.lastAccess.notYou')}</p>
        </>
      ) : (
        previous !== null && <p>{t('home.lastAccess.noFailures')}</p>
      )}
      <p className="last-access__links">
        <Link to="/profile/sign-ins">{t('home.lastAccess.history')}</Link>
        {warning && <Link to="/profile">{t('nav.profile')}</Link>}
      </p>
    </section>
  );
}

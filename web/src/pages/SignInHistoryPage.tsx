import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/describe-error.ts';
import type { SignInRecord } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { signInOutcomeLabel } from '../format/sign-in-outcome.ts';
import { useFormat } from '../format/useFormat.ts';
import { Link } from '../router/Router.tsx';

type Listing =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; items: SignInRecord[] };

export function SignInHistoryPage(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });

  useEffect(() => {
    let current = true;
    api.getSignInHistory().then(
      (items) => {
        if (current) setListing({ kind: 'loaded', items });
      },
      (error: unknown) => {
        if (current) setListing({ kind: 'failed', message: describeError(error, t) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, t]);

  return (
    <div className="page">
      <PageHeading title={t('history.title')} />
      <section className="card card--wide">
        <p className="card__intro">{t('history.intro')}</p>
        {listing.kind === 'loading' && <p role="status">{t('history.loading')}</p>}
        {listing.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {listing.message}
          </p>
        )}
        {listing.kind === 'loaded' && listing.items.length === 0 && <p>{t('history.empty')}</p>}
        {listing.kind === 'loaded' && listing.items.length > 0 && (
          <table className="responsive-table sign-ins">
            <thead>
              <tr>
                <th scope="col">{t('history.time')}</th>
                <th scope="col">{t('history.ip')}</th>
                <th scope="col">{t('history.device')}</th>
                <th scope="col">{t('history.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {listing.items.map((item, index) => (
                // Attempts have no id of their own; the list is replaced whole, never reordered.
                <tr key={`${item.at}-${index}`}>
                  <td data-label={t('history.time')}>
                    <time dateTime={item.at}>{format.dateTime(item.at)}</time>
                  </td>
                  <td data-label={t('history.ip')} className="ip">
                    {item.ip}
                  </td>
                  <td data-label={t('history.device')}>
                    <span title={item.userAgent}>{format.device(item.userAgent)}</span>
                  </td>
                  <td data-label={t('history.outcome')}>
                    <span
                      className={`badge ${item.outcome === 'success' ? 'badge--success' : 'badge--failure'}`}
                      data-outcome={item.outcome}
                    >
                      {signInOutcomeLabel(item.outcome, t)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="page__back">
          <Link to="/profile">{t('history.back')}</Link>
        </p>
      </section>
    </div>
  );
}

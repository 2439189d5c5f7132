import { useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format/useFormat.ts';
import type { AdminApi } from './api.ts';
import { signInOutcomeLabel } from '../format/sign-in-outcome.ts';
import { describeAdminError } from './labels.ts';
import type { SignInAttempt, StaffMember } from './types.ts';

type Listing =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; items: SignInAttempt[] };

/** The person's latest sign-in attempts, as they see them on their own profile. */
export function StaffSignIns({ api, member }: { api: AdminApi; member: StaffMember }): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const memberId = member.id;

  useEffect(() => {
    let current = true;
    api.signInHistory(memberId).then(
      (items) => {
        if (current) setListing({ kind: 'loaded', items });
      },
      (error: unknown) => {
        if (current) setListing({ kind: 'failed', message: describeAdminError(error, t) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, memberId, t]);

  return (
    <section
      className="card card--wide"
      aria-labelledby={`${id}-title`}
      aria-busy={listing.kind === 'loading'}
    >
      <h2 id={`${id}-title`}>{t('admin.history.title')}</h2>
      {listing.kind === 'loading' && <p role="status">{t('admin.common.loading')}</p>}
      {listing.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'loaded' &&
        (listing.items.length === 0 ? (
          <p>{t('admin.history.empty')}</p>
        ) : (
          <table className="responsive-table">
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
                <tr key={`${item.at}-${index}`}>
                  <td data-label={t('history.time')}>{format.dateTime(item.at)}</td>
                  <td data-label={t('history.ip')} className="ip">
                    {item.ip}
                  </td>
                  <td data-label={t('history.device')}>{format.device(item.userAgent)}</td>
                  <td data-label={t('history.outcome')}>
                    <span
                      className={`badge ${item.outcome === 'success' ? 'badge--success' : 'badge--failure'}`}
                    >
                      {signInOutcomeLabel(item.outcome, t)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

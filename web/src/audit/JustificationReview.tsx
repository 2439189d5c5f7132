import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/describe-error.ts';
import { reasonLabel } from '../clinical/labels.ts';
import { useFormat } from '../format/useFormat.ts';
import type { AccessJustification, AuditApi } from './api.ts';

type Listing =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'loaded'; items: AccessJustification[] };

type Outcome = { kind: 'none' } | { kind: 'done' } | { kind: 'failed'; message: string };

/** Justified ("break-the-glass") accesses no one has looked at yet, for an auditor to review one by one. */
export function JustificationReview({ api }: { api: AuditApi }): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'none' });
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      setListing({ kind: 'loaded', items: await api.listJustificationsToReview() });
    } catch (error) {
      setListing({ kind: 'failed', message: describeError(error, t) });
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load]);

  async function markReviewed(item: AccessJustification): Promise<void> {
    setBusy(item.id);
    try {
      await api.markReviewed(item.id);
      setOutcome({ kind: 'done' });
    } catch (error) {
      setOutcome({ kind: 'failed', message: describeError(error, t) });
    } finally {
      setBusy(null);
      // Another auditor may have reviewed some meanwhile: the list is read again either way.
      await load();
    }
  }

  return (
    <div className="review">
      <p className="card__intro">{t('audit.review.intro')}</p>
      {outcome.kind !== 'none' && (
        <p
          className={`message ${outcome.kind === 'done' ? 'message--success' : 'message--error'}`}
          role={outcome.kind === 'done' ? 'status' : 'alert'}
        >
          {outcome.kind === 'done' ? t('audit.review.reviewed') : outcome.message}
        </p>
      )}
      {listing.kind === 'loading' && <p role="status">{t('audit.review.loading')}</p>}
      {listing.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'loaded' && listing.items.length === 0 && <p>{t('audit.review.empty')}</p>}
      {listing.kind === 'loaded' && listing.items.length > 0 && (
        <table className="responsive-table justifications">
          <thead>
            <tr>
              <th scope="col">{t('audit.review.granted')}</th>
              <th scope="col">{t('audit.user')}</th>
              <th scope="col">{t('audit.patient')}</th>
              <th scope="col">{t('audit.reason')}</th>
              <th scope="col">{t('audit.review.detail')}</th>
              <th scope="col">{t('audit.review.expires')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('audit.review.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {listing.items.map((item) => (
              <tr key={item.id} data-justification={item.id}>
                <td data-label={t('audit.review.granted')}>
                  <time dateTime={item.grantedAt}>{format.dateTime(item.grantedAt)}</time>
                </td>
                <td data-label={t('audit.user')}>
                  <span title={item.userId}>{item.username}</span>
                </td>
                <td data-label={t('audit.patient')}>
                  <span className="identifier">{item.patientId}</span>
                </td>
                <td data-label={t('audit.reason')}>{reasonLabel(item.reason, t)}</td>
                <td data-label={t('audit.review.detail')} className="preserve-lines">
                  {item.detail === '' ? t('audit.none') : item.detail}
                </td>
                <td data-label={t('audit.review.expires')}>
                  <time dateTime={item.expiresAt}>{format.dateTime(item.expiresAt)}</time>
                </td>
                <td className="responsive-table__actions">
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    disabled={busy !== null}
                    aria-busy={busy === item.id}
                    aria-label={t('audit.review.markReviewedOf', {
                      user: item.username,
                      time: format.dateTime(item.grantedAt),
                    })}
                    onClick={() => void markReviewed(item)}
                  >
                    {t('audit.review.markReviewed')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

import { useCallback, useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/describe-error.ts';
import type { SessionInfo } from '../api/types.ts';
import { useFormat } from '../format/useFormat.ts';

type Listing =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; sessions: SessionInfo[] };

type Outcome = { kind: 'none' } | { kind: 'done'; message: string } | { kind: 'failed'; message: string };

/** This device first, then the most recently active. */
function byRelevance(a: SessionInfo, b: SessionInfo): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  return b.lastSeenAt.localeCompare(a.lastSeenAt);
}

/** Every live session of the user, each of which can be ended from here. */
export function SessionsList({ reloadKey = 0 }: { reloadKey?: number }): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const id = useId();
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'none' });
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    try {
      const sessions = await api.listSessions();
      setListing({ kind: 'loaded', sessions: [...sessions].sort(byRelevance) });
    } catch (error) {
      setListing({ kind: 'failed', message: describeError(error, t) });
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load, reloadKey]);

  async function act(action: () => Promise<string>): Promise<void> {
    setBusy(true);
    try {
      setOutcome({ kind: 'done', message: await action() });
    } catch (error) {
      setOutcome({ kind: 'failed', message: describeError(error, t) });
    } finally {
      setBusy(false);
      await load();
    }
  }

  const signOutOne = (session: SessionInfo): Promise<void> =>
    act(async () => {
      await api.revokeSession(session.id);
      return t('sessions.signedOutOne');
    });

  const signOutOthers = (): Promise<void> =>
    act(async () => t('sessions.signedOutOthers', { count: await api.revokeOtherSessions() }));

  const others = listing.kind === 'loaded' ? listing.sessions.filter((s) => !s.current).length : 0;

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('sessions.title')}</h2>
      <p className="card__intro">{t('sessions.intro')}</p>

      {listing.kind === 'loading' && <p role="status">{t('sessions.loading')}</p>}
      {listing.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {listing.message}
        </p>
      )}
      {listing.kind === 'loaded' && (
        <table className="responsive-table sessions">
          <thead>
            <tr>
              <th scope="col">{t('sessions.device')}</th>
              <th scope="col">{t('sessions.ip')}</th>
              <th scope="col">{t('sessions.created')}</th>
              <th scope="col">{t('sessions.lastSeen')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('sessions.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {listing.sessions.map((session) => {
              const device = format.device(session.userAgent);
              return (
                <tr key={session.id} className={session.current ? 'is-current' : undefined}>
                  <td data-label={t('sessions.device')}>
                    <span>
                      <span title={session.userAgent}>{device}</span>
                      {session.current && (
                        <span className="badge badge--current">{t('sessions.thisDevice')}</span>
                      )}
                    </span>
                  </td>
                  <td data-label={t('sessions.ip')} className="ip">
                    {session.ip}
                  </td>
                  <td data-label={t('sessions.created')}>
                    <time dateTime={session.createdAt}>{format.dateTime(session.createdAt)}</time>
                  </td>
                  <td data-label={t('sessions.lastSeen')}>
                    <time dateTime={session.lastSeenAt}>{format.dateTime(session.lastSeenAt)}</time>
                  </td>
                  <td className="responsive-table__actions">
                    {!session.current && (
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        disabled={busy}
                        aria-label={`${t('sessions.signOut')}: ${device}, ${session.ip}`}
                        onClick={() => void signOutOne(session)}
                      >
                        {t('sessions.signOut')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <div className="sessions__footer">
        {outcome.kind !== 'none' && (
          <p
            className={`message ${outcome.kind === 'done' ? 'message--success' : 'message--error'}`}
            role={outcome.kind === 'done' ? 'status' : 'alert'}
          >
            {outcome.message}
          </p>
        )}
        {listing.kind === 'loaded' &&
          (others > 0 ? (
            <button
              type="button"
              className="button button--secondary"
              disabled={busy}
              onClick={() => void signOutOthers()}
            >
              {t('sessions.signOutOthers')}
            </button>
          ) : (
            <p className="muted">{t('sessions.onlyThis')}</p>
          ))}
      </div>
    </section>
  );
}

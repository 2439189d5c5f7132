import { useCallback, useEffect, useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { AdminGate } from './AdminGate.tsx';
import { InviteStaffForm } from './InviteStaffForm.tsx';
import { describeAdminError } from './labels.ts';
import { StaffList } from './StaffList.tsx';
import type { StaffMember } from './types.ts';
import { useAdminApi } from './useAdminApi.ts';

type Listing =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'loaded'; query: string; items: StaffMember[]; nextCursor: string | null; loadingMore: boolean };

function Staff({ institution }: { institution: Membership }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const api = useAdminApi(institution.institutionId);
  const [query, setQuery] = useState('');
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const [moreError, setMoreError] = useState<string | null>(null);
  const [inviting, setInviting] = useState(false);

  const load = useCallback(
    async (wanted: string): Promise<void> => {
      setListing({ kind: 'loading' });
      setMoreError(null);
      try {
        const page = await api.listStaff(wanted);
        setListing({
          kind: 'loaded',
          query: wanted,
          items: page.items,
          nextCursor: page.nextCursor,
          loadingMore: false,
        });
      } catch (error) {
        setListing({ kind: 'failed', message: describeAdminError(error, t) });
      }
    },
    [api, t],
  );

  useEffect(() => {
    void load('');
  }, [load]);

  async function more(): Promise<void> {
    if (listing.kind !== 'loaded' || listing.nextCursor === null) return;
    const { items, nextCursor, query: shown } = listing;
    setListing({ ...listing, loadingMore: true });
    setMoreError(null);
    try {
      const page = await api.listStaff(shown, nextCursor);
      setListing({
        kind: 'loaded',
        query: shown,
        items: [...items, ...page.items.filter((m) => !items.some((seen) => seen.id === m.id))],
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      setListing({ ...listing, loadingMore: false });
      setMoreError(describeAdminError(error, t));
    }
  }

  function search(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    void load(query);
  }

  return (
    <>
      <PageHeading title={t('admin.staff.title')} />
      <p className="muted">{t('admin.staff.intro')}</p>

      {inviting ? (
        <InviteStaffForm
          api={api}
          onInvited={() => void load(listing.kind === 'loaded' ? listing.query : '')}
          onClose={() => {
            setInviting(false);
          }}
        />
      ) : (
        <p>
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              setInviting(true);
            }}
          >
            {t('admin.invite.open')}
          </button>
        </p>
      )}

      <section
        className="card card--wide"
        aria-labelledby={`${id}-list`}
        aria-busy={listing.kind === 'loading'}
      >
        <h2 id={`${id}-list`}>{t('admin.staff.listTitle')}</h2>
        <form
          className="admin-search"
          role="search"
          aria-label={t('admin.staff.searchLabel')}
          onSubmit={search}
        >
          <div className="field">
            <label htmlFor={`${id}-q`}>{t('admin.staff.searchLabel')}</label>
            <input
              id={`${id}-q`}
              type="search"
              value={query}
              maxLength={200}
              autoComplete="off"
              placeholder={t('admin.staff.searchPlaceholder')}
              onChange={(event) => {
                setQuery(event.target.value);
              }}
            />
          </div>
          <button type="submit" className="button button--secondary" disabled={listing.kind === 'loading'}>
            {t('admin.staff.search')}
          </button>
        </form>

        {listing.kind === 'loading' && <p role="status">{t('admin.common.loading')}</p>}
        {listing.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {listing.message}
          </p>
        )}
        {listing.kind === 'loaded' &&
          (listing.items.length === 0 ? (
            <p role="status">{listing.query === '' ? t('admin.staff.empty') : t('admin.staff.noMatch')}</p>
          ) : (
            <>
              <StaffList members={listing.items} />
              {moreError !== null && (
                <p className="message message--error" role="alert">
                  {moreError}
                </p>
              )}
              {listing.nextCursor !== null && (
                <p className="list-more">
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={listing.loadingMore}
                    aria-busy={listing.loadingMore}
                    onClick={() => void more()}
                  >
                    {listing.loadingMore ? t('admin.common.loading') : t('admin.staff.more')}
                  </button>
                </p>
              )}
            </>
          ))}
      </section>
    </>
  );
}

/** Administration > Users/Doctors: the institution's staff, found by name, username or email. */
export function StaffPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <AdminGate title={t('admin.staff.title')}>
      {(institution) => <Staff institution={institution} />}
    </AdminGate>
  );
}

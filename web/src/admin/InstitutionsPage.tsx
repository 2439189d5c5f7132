import { useCallback, useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';
import { useFormat } from '../format/useFormat.ts';
import { useMe } from '../session/SessionContext.tsx';
import { describeAdminError } from './labels.ts';
import { NewInstitutionForm } from './NewInstitutionForm.tsx';
import type { InstitutionSummary } from './types.ts';
import { useSystemApi } from './useAdminApi.ts';
import './admin.css';

type Listing =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; items: InstitutionSummary[] };

function Institutions(): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const api = useSystemApi();
  const [listing, setListing] = useState<Listing>({ kind: 'loading' });
  const [creating, setCreating] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    try {
      setListing({ kind: 'loaded', items: await api.listInstitutions() });
    } catch (error) {
      setListing({ kind: 'failed', message: describeAdminError(error, t) });
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page admin">
      <PageHeading title={t('admin.institutions.title')} />
      <p className="muted">{t('admin.institutions.intro')}</p>
      {creating ? (
        <NewInstitutionForm
          api={api}
          onCreated={() => void load()}
          onClose={() => {
            setCreating(false);
          }}
        />
      ) : (
        <p>
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              setCreating(true);
            }}
          >
            {t('admin.institutions.new')}
          </button>
        </p>
      )}
      <section
        className="card card--wide"
        aria-labelledby={`${id}-list`}
        aria-busy={listing.kind === 'loading'}
      >
        <h2 id={`${id}-list`}>{t('admin.institutions.listTitle')}</h2>
        {listing.kind === 'loading' && <p role="status">{t('admin.common.loading')}</p>}
        {listing.kind === 'failed' && (
          <p className="message message--error" role="alert">
            {listing.message}
          </p>
        )}
        {listing.kind === 'loaded' &&
          (listing.items.length === 0 ? (
            <p>{t('admin.institutions.empty')}</p>
          ) : (
            <table className="responsive-table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.institutions.name')}</th>
                  <th scope="col">{t('admin.fields.timeZone')}</th>
                  <th scope="col">{t('admin.institutions.twoFactor')}</th>
                  <th scope="col">{t('admin.institutions.staff')}</th>
                  <th scope="col">{t('admin.institutions.administrators')}</th>
                  <th scope="col">{t('admin.institutions.created')}</th>
                </tr>
              </thead>
              <tbody>
                {listing.items.map((institution) => (
                  <tr key={institution.id}>
                    <td data-label={t('admin.institutions.name')}>{institution.name}</td>
                    <td data-label={t('admin.fields.timeZone')}>{institution.timeZone}</td>
                    <td data-label={t('admin.institutions.twoFactor')}>
                      {institution.twoFactorEnabled ? t('admin.common.yes') : t('admin.common.no')}
                    </td>
                    <td data-label={t('admin.institutions.staff')}>{institution.activeStaff}</td>
                    <td data-label={t('admin.institutions.administrators')}>
                      {institution.activeAdministrators}
                    </td>
                    <td data-label={t('admin.institutions.created')}>
                      {format.dateTime(institution.createdAt)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </section>
    </div>
  );
}

/** The deployment's institutions, for system administrators: the list, and a new one with its first administrator. */
export function InstitutionsPage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  if (me.user.isSystemAdmin) return <Institutions />;
  return (
    <div className="page">
      <PageHeading title={t('admin.institutions.title')} />
      <p className="message message--info" role="status">
        {t('admin.institutions.notSystemAdmin')}
      </p>
    </div>
  );
}

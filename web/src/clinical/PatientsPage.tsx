import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { useRouter } from '../router/Router.tsx';
import { InstitutionGate } from './InstitutionGate.tsx';
import { useInstitution } from './InstitutionContext.tsx';
import { describeClinicalError } from './labels.ts';
import { NewPatientForm } from './NewPatientForm.tsx';
import { PatientResults } from './PatientResults.tsx';
import { PatientSearchForm } from './PatientSearch.tsx';
import type { Patient, PatientQuery } from './types.ts';
import { useClinicalApi } from './useClinicalApi.ts';

type Results =
  | { kind: 'none' }
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | {
      kind: 'loaded';
      query: PatientQuery;
      items: Patient[];
      nextCursor: string | null;
      loadingMore: boolean;
    };

function Patients({ institution }: { institution: Membership }): ReactNode {
  const { t } = useTranslation();
  const { can } = useInstitution();
  const { navigate } = useRouter();
  const api = useClinicalApi(institution.institutionId);
  const id = useId();
  const [results, setResults] = useState<Results>({ kind: 'none' });
  const [creating, setCreating] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  async function search(query: PatientQuery): Promise<void> {
    setResults({ kind: 'loading' });
    setMoreError(null);
    try {
      const page = await api.searchPatients(query);
      setResults({
        kind: 'loaded',
        query,
        items: page.items,
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      setResults({ kind: 'failed', message: describeClinicalError(error, t) });
    }
  }

  async function more(): Promise<void> {
    if (results.kind !== 'loaded' || results.nextCursor === null) return;
    const { query, nextCursor, items } = results;
    setResults({ ...results, loadingMore: true });
    setMoreError(null);
    try {
      const page = await api.searchPatients(query, nextCursor);
      setResults({
        kind: 'loaded',
        query,
        items: [...items, ...page.items.filter((p) => !items.some((seen) => seen.id === p.id))],
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      setResults({ ...results, loadingMore: false });
      setMoreError(describeClinicalError(error, t));
    }
  }

  return (
    <div className="page">
      <PageHeading title={t('clinical.patients.title')} />
      <p className="muted">{institution.institutionName}</p>

      {creating ? (
        <NewPatientForm
          api={api}
          onCreated={(patient) => {
            navigate(`/patients/${patient.id}`);
          }}
          onCancel={() => {
            setCreating(false);
          }}
        />
      ) : (
        can.createPatient && (
          <p>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                setCreating(true);
              }}
            >
              {t('clinical.patients.new')}
            </button>
          </p>
        )
      )}

      <section className="card card--wide" aria-labelledby={`${id}-search`}>
        <h2 id={`${id}-search`}>{t('clinical.patients.searchTitle')}</h2>
        <PatientSearchForm busy={results.kind === 'loading'} onSearch={(query) => void search(query)} />
      </section>

      {results.kind !== 'none' && (
        <section
          className="card card--wide"
          aria-labelledby={`${id}-results`}
          aria-busy={results.kind === 'loading'}
        >
          <h2 id={`${id}-results`}>{t('clinical.patients.results')}</h2>
          {results.kind === 'loading' && <p role="status">{t('clinical.patients.searching')}</p>}
          {results.kind === 'failed' && (
            <p className="message message--error" role="alert">
              {results.message}
            </p>
          )}
          {results.kind === 'loaded' &&
            (results.items.length === 0 ? (
              <p role="status">{t('clinical.patients.noResults')}</p>
            ) : (
              <>
                <PatientResults patients={results.items} />
                {moreError !== null && (
                  <p className="message message--error" role="alert">
                    {moreError}
                  </p>
                )}
                {results.nextCursor !== null && (
                  <p className="list-more">
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={results.loadingMore}
                      aria-busy={results.loadingMore}
                      onClick={() => void more()}
                    >
                      {results.loadingMore ? t('clinical.common.loading') : t('clinical.patients.more')}
                    </button>
                  </p>
                )}
              </>
            ))}
        </section>
      )}
    </div>
  );
}

export function PatientsPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <InstitutionGate title={t('clinical.patients.title')} need="searchPatients">
      {(institution) => <Patients key={institution.institutionId} institution={institution} />}
    </InstitutionGate>
  );
}

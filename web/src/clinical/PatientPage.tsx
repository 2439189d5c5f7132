import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { Link, useRouter } from '../router/Router.tsx';
import { ClinicalSection } from './ClinicalSection.tsx';
import { DemographicsCard } from './DemographicsCard.tsx';
import { useCalendarDate } from './format.ts';
import { InstitutionGate } from './InstitutionGate.tsx';
import { useInstitution } from './InstitutionContext.tsx';
import { describeClinicalError, sexLabel } from './labels.ts';
import { patientIdIn } from './paths.ts';
import { patientName } from './PatientResults.tsx';
import type { Patient, PatientDetail } from './types.ts';
import { useClinicalApi } from './useClinicalApi.ts';

type Loading =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; patient: PatientDetail };

/** Who the patient is, at the top of every view of them, so no one writes in the wrong record. */
function PatientBanner({ patient }: { patient: Patient }): ReactNode {
  const { t } = useTranslation();
  const date = useCalendarDate();
  return (
    <div className="patient-banner" data-testid="patient-banner">
      <p className="patient-banner__name">{patientName(patient)}</p>
      <p className="patient-banner__facts">
        <span>
          <span className="muted">{patient.identifierType}</span> {patient.identifierValue}
        </span>
        <span>
          <span className="muted">{t('clinical.fields.birthDate')}</span>{' '}
          <time dateTime={patient.birthDate}>{date(patient.birthDate)}</time>
        </span>
        <span>{sexLabel(patient.sex, t)}</span>
      </p>
    </div>
  );
}

function PatientView({ institution, patientId }: { institution: Membership; patientId: string }): ReactNode {
  const { t } = useTranslation();
  const { can } = useInstitution();
  const api = useClinicalApi(institution.institutionId);
  const [loading, setLoading] = useState<Loading>({ kind: 'loading' });

  useEffect(() => {
    let current = true;
    api.getPatient(patientId).then(
      (patient) => {
        if (current) setLoading({ kind: 'loaded', patient });
      },
      (error: unknown) => {
        if (current) setLoading({ kind: 'failed', message: describeClinicalError(error, t) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, patientId, t]);

  return (
    <div className="page patient-page">
      <PageHeading title={t('clinical.patient.title')} />
      <p className="page__crumbs">
        <Link to="/patients">{t('clinical.patient.back')}</Link>
      </p>
      {loading.kind === 'loading' && <p role="status">{t('clinical.patient.loading')}</p>}
      {loading.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {loading.message}
        </p>
      )}
      {loading.kind === 'loaded' && (
        <>
          <PatientBanner patient={loading.patient} />
          <DemographicsCard
            api={api}
            patient={loading.patient}
            canEdit={can.updatePatient}
            onChanged={(patient) => {
              // An update answers demographics only; the clinical access read with the page still holds.
              setLoading({ kind: 'loaded', patient: { ...loading.patient, ...patient } });
            }}
          />
          {/* null for roles without clinical access: for them the record is never requested at all. */}
          {loading.patient.clinicalAccess !== null && (
            <ClinicalSection api={api} patientId={patientId} initialAccess={loading.patient.clinicalAccess} />
          )}
        </>
      )}
    </div>
  );
}

export function PatientPage(): ReactNode {
  const { t } = useTranslation();
  const { path } = useRouter();
  const patientId = patientIdIn(path);
  return (
    <InstitutionGate title={t('clinical.patient.title')} need="searchPatients">
      {(institution) =>
        patientId && (
          <PatientView
            key={`${institution.institutionId} ${patientId}`}
            institution={institution}
            patientId={patientId}
          />
        )
      }
    </InstitutionGate>
  );
}

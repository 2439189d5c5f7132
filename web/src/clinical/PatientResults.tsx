import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../router/Router.tsx';
import { useCalendarDate } from './format.ts';
import { sexLabel } from './labels.ts';
import type { Patient } from './types.ts';

/** "FAMILY, Given": how clinical lists show names, family name first. */
export function patientName(patient: Pick<Patient, 'familyName' | 'givenNames'>): string {
  return `${patient.familyName}, ${patient.givenNames}`;
}

export function PatientResults({ patients }: { patients: readonly Patient[] }): ReactNode {
  const { t } = useTranslation();
  const date = useCalendarDate();
  return (
    <table className="responsive-table patient-results">
      <thead>
        <tr>
          <th scope="col">{t('clinical.fields.name')}</th>
          <th scope="col">{t('clinical.fields.identifierValue')}</th>
          <th scope="col">{t('clinical.fields.birthDate')}</th>
          <th scope="col">{t('clinical.fields.sex')}</th>
        </tr>
      </thead>
      <tbody>
        {patients.map((patient) => (
          <tr key={patient.id}>
            <td data-label={t('clinical.fields.name')}>
              <Link to={`/patients/${patient.id}`}>{patientName(patient)}</Link>
            </td>
            <td data-label={t('clinical.fields.identifierValue')}>
              <span className="identifier">
                <span className="muted">{patient.identifierType}</span> {patient.identifierValue}
              </span>
            </td>
            <td data-label={t('clinical.fields.birthDate')}>
              <time dateTime={patient.birthDate}>{date(patient.birthDate)}</time>
            </td>
            <td data-label={t('clinical.fields.sex')}>{sexLabel(patient.sex, t)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import { useId } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useRouter } from '../router/Router.tsx';
import { useInstitution } from './InstitutionContext.tsx';
import './clinical.css';

/**
 * The header's links to the work a member's roles allow in the current institution, and the choice of
 * institution for members of several. Rendered as items of the account bar's list.
 */
export function WorkNav(): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const { memberships, current, can, choose } = useInstitution();
  const { path, navigate } = useRouter();
  return (
    <>
      {can.searchPatients && (
        <li>
          <Link to="/patients">{t('nav.patients')}</Link>
        </li>
      )}
      {can.readAudit && (
        <li>
          <Link to="/audit">{t('nav.audit')}</Link>
        </li>
      )}
      {memberships.length > 1 && current && (
        <li className="institution-selector">
          <label htmlFor={`${id}-institution`} className="visually-hidden">
            {t('nav.institution')}
          </label>
          <select
            id={`${id}-institution`}
            value={current.institutionId}
            onChange={(event) => {
              choose(event.target.value);
              // A patient belongs to one institution: leave their page rather than look for them in another.
              if (path.startsWith('/patients/')) navigate('/patients');
            }}
          >
            {memberships.map((membership) => (
              <option key={membership.institutionId} value={membership.institutionId}>
                {membership.institutionName}
              </option>
            ))}
          </select>
        </li>
      )}
    </>
  );
}

import { useId } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api/types.ts';
import { roleLabel, securityLevelLabel } from './labels.ts';

/** The institutions the user works in, with their roles and the security level that governs them. */
export function MembershipList({ me }: { me: Me }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('home.memberships.title')}</h2>
      {me.user.isSystemAdmin && <p className="card__intro">{t('home.memberships.systemAdmin')}</p>}
      {me.memberships.length === 0 ? (
        <p>{t('home.memberships.none')}</p>
      ) : (
        <ul className="memberships">
          {me.memberships.map((membership) => (
            <li key={membership.institutionId} className="membership">
              <h3 className="membership__name">{membership.institutionName}</h3>
              <dl className="membership__facts">
                <dt>{t('home.memberships.roles')}</dt>
                <dd>
                  {membership.roles.length === 0
                    ? t('home.memberships.noRoles')
                    : membership.roles.map((role) => roleLabel(role, t)).join(', ')}
                </dd>
                <dt>{t('home.memberships.level')}</dt>
                <dd>{securityLevelLabel(membership.securityLevel, t)}</dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

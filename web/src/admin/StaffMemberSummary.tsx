import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { roleLabel, securityLevelLabel } from '../account/labels.ts';
import { useFormat } from '../format/useFormat.ts';
import type { StaffMember } from './types.ts';

/** Who the person is and where their account stands, at the top of their page. */
export function StaffMemberSummary({ member }: { member: StaffMember }): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <section className="card card--wide" aria-label={t('admin.member.summary')}>
      <dl className="facts">
        <dt>{t('admin.fields.username')}</dt>
        <dd>{member.username}</dd>
        <dt>{t('admin.fields.email')}</dt>
        <dd>{member.email ?? t('admin.member.noEmail')}</dd>
        <dt>{t('admin.fields.roles')}</dt>
        <dd>{member.roles.map((role) => roleLabel(role, t)).join(', ')}</dd>
        <dt>{t('admin.fields.level')}</dt>
        <dd>{securityLevelLabel(member.securityLevel.name, t)}</dd>
        <dt>{t('admin.staff.status')}</dt>
        <dd data-testid="member-status">
          {member.disabled ? t('admin.staff.disabled') : t('admin.staff.active')}
        </dd>
        <dt>{t('admin.member.twoFactor')}</dt>
        <dd>{member.twoFactorEnabled ? t('admin.member.twoFactorOn') : t('admin.member.twoFactorOff')}</dd>
        <dt>{t('admin.staff.lastSignIn')}</dt>
        <dd>
          {member.lastSignInAt === null ? t('admin.staff.never') : format.dateTime(member.lastSignInAt)}
        </dd>
      </dl>
    </section>
  );
}

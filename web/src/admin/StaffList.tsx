import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { roleLabel, securityLevelLabel } from '../account/labels.ts';
import { useFormat } from '../format/useFormat.ts';
import { Link } from '../router/Router.tsx';
import type { StaffMember } from './types.ts';

/** The staff as a table on wide screens and one card per person on phones. */
export function StaffList({ members }: { members: readonly StaffMember[] }): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <table className="responsive-table staff-list">
      <thead>
        <tr>
          <th scope="col">{t('admin.staff.person')}</th>
          <th scope="col">{t('admin.staff.roles')}</th>
          <th scope="col">{t('admin.staff.level')}</th>
          <th scope="col">{t('admin.staff.status')}</th>
          <th scope="col">{t('admin.staff.lastSignIn')}</th>
        </tr>
      </thead>
      <tbody>
        {members.map((member) => (
          <tr key={member.id}>
            <td data-label={t('admin.staff.person')}>
              <span className="staff-list__person">
                <Link to={`/admin/users/${member.id}`}>{member.displayName}</Link>
                <span className="muted">{member.username}</span>
              </span>
            </td>
            <td data-label={t('admin.staff.roles')}>
              {member.roles.map((role) => roleLabel(role, t)).join(', ')}
            </td>
            <td data-label={t('admin.staff.level')}>{securityLevelLabel(member.securityLevel.name, t)}</td>
            <td data-label={t('admin.staff.status')}>
              <span className="staff-list__badges">
                {member.disabled ? (
                  <span className="badge badge--failure">{t('admin.staff.disabled')}</span>
                ) : (
                  <span className="badge badge--success">{t('admin.staff.active')}</span>
                )}
                {member.exportPermission.granted && (
                  <span className="badge badge--muted">{t('admin.staff.mayExport')}</span>
                )}
                {member.accessHours.mode !== 'always' && (
                  <span className="badge badge--muted">{t('admin.staff.hoursLimited')}</span>
                )}
              </span>
            </td>
            <td data-label={t('admin.staff.lastSignIn')}>
              {member.lastSignInAt === null ? t('admin.staff.never') : format.dateTime(member.lastSignInAt)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

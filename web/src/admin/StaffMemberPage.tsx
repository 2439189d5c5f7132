import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { Link, useRouter } from '../router/Router.tsx';
import { AccessHoursSection } from './AccessHoursSection.tsx';
import { AccountActions } from './AccountActions.tsx';
import { AdminGate } from './AdminGate.tsx';
import { ExportPermissionSection } from './ExportPermissionSection.tsx';
import { describeAdminError, isVersionConflict } from './labels.ts';
import { staffMemberIdIn } from './paths.ts';
import { RolesAndLevelSection } from './RolesAndLevelSection.tsx';
import { StaffMemberSummary } from './StaffMemberSummary.tsx';
import { StaffSignIns } from './StaffSignIns.tsx';
import type { SaveChange, SecurityLevel, StaffMember } from './types.ts';
import { useAdminApi } from './useAdminApi.ts';

type Loaded =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; member: StaffMember };

function StaffMemberView({ institution, userId }: { institution: Membership; userId: string }): ReactNode {
  const { t } = useTranslation();
  const api = useAdminApi(institution.institutionId);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [levels, setLevels] = useState<SecurityLevel[] | null>(null);
  const [timeZone, setTimeZone] = useState<string | null>(null);
  // Bumped when the page reloads the person after a conflict, so every form starts again from what is stored.
  const [reloads, setReloads] = useState(0);
  const [conflict, setConflict] = useState(false);

  const load = useCallback(async (): Promise<StaffMember | undefined> => {
    try {
      const member = await api.getStaffMember(userId);
      setLoaded({ kind: 'loaded', member });
      return member;
    } catch (error) {
      setLoaded({ kind: 'failed', message: describeAdminError(error, t) });
      return undefined;
    }
  }, [api, userId, t]);

  useEffect(() => {
    setLoaded({ kind: 'loading' });
    void load();
    let current = true;
    // The forms work without these (the level keeps its name, hours their times); they only add context.
    api.listSecurityLevels().then(
      (items) => {
        if (current) setLevels(items);
      },
      () => undefined,
    );
    api.getSettings().then(
      (settings) => {
        if (current) setTimeZone(settings.timeZone);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, load]);

  const member = loaded.kind === 'loaded' ? loaded.member : undefined;

  const save = useCallback<SaveChange>(
    async (change) => {
      if (!member) throw new Error('saving before the person was loaded');
      try {
        const updated = await api.updateStaffMember(member.id, member.version, change);
        setLoaded({ kind: 'loaded', member: updated });
        setConflict(false);
        return 'saved';
      } catch (error) {
        if (!isVersionConflict(error)) throw error;
        await load();
        setReloads((n) => n + 1);
        setConflict(true);
        return 'conflict';
      }
    },
    [api, member, load],
  );

  const replaced = useCallback((updated: StaffMember) => {
    setLoaded({ kind: 'loaded', member: updated });
  }, []);

  if (loaded.kind !== 'loaded' || !member) {
    return (
      <>
        <PageHeading title={t('admin.member.title')} />
        {loaded.kind === 'loading' ? (
          <p role="status">{t('admin.common.loading')}</p>
        ) : (
          <p className="message message--error" role="alert">
            {loaded.kind === 'failed' ? loaded.message : ''}
          </p>
        )}
        <p>
          <Link to="/admin/users">{t('admin.member.back')}</Link>
        </p>
      </>
    );
  }

  return (
    <>
      <p className="page__crumbs">
        <Link to="/admin/users">{t('admin.member.back')}</Link>
      </p>
      <PageHeading title={member.displayName} />
      {conflict && (
        <p className="message message--warning" role="alert">
          {t('admin.member.conflict')}
        </p>
      )}
      <StaffMemberSummary member={member} />
      <RolesAndLevelSection key={`roles-${reloads}`} member={member} levels={levels} save={save} />
      <AccessHoursSection key={`hours-${reloads}`} member={member} timeZone={timeZone} save={save} />
      <ExportPermissionSection key={`export-${reloads}`} member={member} save={save} />
      <AccountActions api={api} member={member} onChanged={replaced} />
      <StaffSignIns api={api} member={member} />
    </>
  );
}

/** Administration > Users/Doctors > one person: roles, level, hours, export, account and sign-ins. */
export function StaffMemberPage(): ReactNode {
  const { t } = useTranslation();
  const { path } = useRouter();
  const userId = staffMemberIdIn(path);
  return (
    <AdminGate title={t('admin.member.title')}>
      {(institution) =>
        userId === undefined ? null : (
          <StaffMemberView key={userId} institution={institution} userId={userId} />
        )
      }
    </AdminGate>
  );
}

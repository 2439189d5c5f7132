import { useCallback, useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Membership } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { useSession } from '../session/SessionContext.tsx';
import { AdminGate } from './AdminGate.tsx';
import { describeAdminError } from './labels.ts';
import { SecurityLevelForm } from './SecurityLevelForm.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import type { InstitutionSettings, SecurityLevel } from './types.ts';
import { useAdminApi } from './useAdminApi.ts';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'failed'; message: string }
  | { kind: 'loaded'; settings: InstitutionSettings; levels: SecurityLevel[] };

function Settings({ institution }: { institution: Membership }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const session = useSession();
  const api = useAdminApi(institution.institutionId);
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  // Bumped when the page reloads after a conflict, so the forms start again from what is stored.
  const [reloads, setReloads] = useState(0);
  const [conflict, setConflict] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    try {
      const [settings, levels] = await Promise.all([api.getSettings(), api.listSecurityLevels()]);
      setLoaded({ kind: 'loaded', settings, levels });
    } catch (error) {
      setLoaded({ kind: 'failed', message: describeAdminError(error, t) });
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load]);

  const reloadAfterConflict = useCallback(async (): Promise<void> => {
    await load();
    setReloads((n) => n + 1);
    setConflict(true);
  }, [load]);

  return (
    <>
      <PageHeading title={t('admin.settings.title')} />
      {conflict && (
        <p className="message message--warning" role="alert">
          {t('admin.settings.conflict')}
        </p>
      )}
      {loaded.kind === 'loading' && <p role="status">{t('admin.common.loading')}</p>}
      {loaded.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.kind === 'loaded' && (
        <>
          <SettingsForm
            key={`settings-${reloads}`}
            api={api}
            settings={loaded.settings}
            onSaved={(settings) => {
              setLoaded((current) => (current.kind === 'loaded' ? { ...current, settings } : current));
              setConflict(false);
              // The institution's name shows in the header and menus, which read it from /api/me.
              if (settings.name !== institution.institutionName) void session.refresh();
            }}
            onConflict={reloadAfterConflict}
          />
          <section className="card card--wide" aria-labelledby={`${id}-levels`}>
            <h2 id={`${id}-levels`}>{t('admin.levels.title')}</h2>
            <p className="card__intro">{t('admin.levels.intro')}</p>
            <div className="security-levels">
              {loaded.levels.map((level) => (
                <SecurityLevelForm
                  key={`${level.id}-${reloads}`}
                  api={api}
                  level={level}
                  onSaved={(saved) => {
                    setLoaded((current) =>
                      current.kind === 'loaded'
                        ? { ...current, levels: current.levels.map((l) => (l.id === saved.id ? saved : l)) }
                        : current,
                    );
                    setConflict(false);
                  }}
                  onConflict={reloadAfterConflict}
                />
              ))}
            </div>
          </section>
        </>
      )}
    </>
  );
}

/** Administration > Institution settings: the institution's own rules and its security levels. */
export function InstitutionSettingsPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <AdminGate title={t('admin.settings.title')}>
      {(institution) => <Settings institution={institution} />}
    </AdminGate>
  );
}

import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { ReauthenticateDialog } from '../stepup/ReauthenticateDialog.tsx';
import type { AdminApi } from './api.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { describeAdminError } from './labels.ts';
import { OneTimeLink } from './OneTimeLink.tsx';
import type { StaffMember } from './types.ts';

type Asking = 'disable' | 'resetTwoFactor' | 'revokeSessions' | null;

type Done =
  | { kind: 'none' }
  | { kind: 'enabled' }
  | { kind: 'disabled' }
  | { kind: 'twoFactorReset' }
  | { kind: 'sessionsRevoked'; count: number }
  | { kind: 'resetLink'; link: string; validHours: number };

/** What an administrator can do to the account itself: disable it, and help with its credentials. */
export function AccountActions({
  api,
  member,
  onChanged,
}: {
  api: AdminApi;
  member: StaffMember;
  onChanged: (member: StaffMember) => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [asking, setAsking] = useState<Asking>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Done>({ kind: 'none' });
  // An action the server would do once the administrator confirms their own password (resetting
  // someone's credentials): asked for, then retried.
  const [awaitingConfirmation, setAwaitingConfirmation] = useState<(() => Promise<Done>) | null>(null);
  const person = member.displayName;

  async function act(action: () => Promise<Done>): Promise<void> {
    setBusy(true);
    setDialogError(null);
    setError(null);
    try {
      setDone(await action());
      setAsking(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'reauthentication_required') {
        setAsking(null);
        setAwaitingConfirmation(() => action);
        return;
      }
      const message = describeAdminError(failure, t);
      if (asking === null) setError(message);
      else setDialogError(message);
    } finally {
      setBusy(false);
    }
  }

  function ask(what: Exclude<Asking, null>): void {
    setDialogError(null);
    setAsking(what);
  }

  const disable = (): Promise<void> =>
    act(async () => {
      onChanged(await api.disableStaffMember(member.id));
      return { kind: 'disabled' };
    });
  const enable = (): Promise<void> =>
    act(async () => {
      onChanged(await api.enableStaffMember(member.id));
      return { kind: 'enabled' };
    });
  const resetTwoFactor = (): Promise<void> =>
    act(async () => {
      await api.resetTwoFactor(member.id);
      onChanged(await api.getStaffMember(member.id));
      return { kind: 'twoFactorReset' };
    });
  const revokeSessions = (): Promise<void> =>
    act(async () => ({ kind: 'sessionsRevoked', count: await api.revokeSessions(member.id) }));
  const resetLink = (): Promise<void> =>
    act(async () => ({ kind: 'resetLink', ...(await api.passwordResetLink(member.id)) }));

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.account.title')}</h2>
      <div className="account-actions">
        <div className="account-actions__item">
          <h3>{member.disabled ? t('admin.account.disabledTitle') : t('admin.account.activeTitle')}</h3>
          <p className="muted">
            {member.disabled ? t('admin.account.disabledBody', { person }) : t('admin.account.disableBody')}
          </p>
          {member.disabled ? (
            <button
              type="button"
              className="button button--secondary"
              disabled={busy}
              onClick={() => void enable()}
            >
              {t('admin.account.enable')}
            </button>
          ) : (
            <button
              type="button"
              className="button button--danger"
              disabled={busy}
              onClick={() => {
                ask('disable');
              }}
            >
              {t('admin.account.disable')}
            </button>
          )}
        </div>

        <div className="account-actions__item">
          <h3>{t('admin.account.twoFactorTitle')}</h3>
          <p className="muted">
            {member.twoFactorEnabled
              ? t('admin.account.twoFactorBody', { person })
              : t('admin.account.twoFactorNone')}
          </p>
          {member.twoFactorEnabled && (
            <button
              type="button"
              className="button button--secondary"
              disabled={busy}
              onClick={() => {
                ask('resetTwoFactor');
              }}
            >
              {t('admin.account.resetTwoFactor')}
            </button>
          )}
        </div>

        <div className="account-actions__item">
          <h3>{t('admin.account.sessionsTitle')}</h3>
          <p className="muted">{t('admin.account.sessionsBody', { person })}</p>
          <button
            type="button"
            className="button button--secondary"
            disabled={busy}
            onClick={() => {
              ask('revokeSessions');
            }}
          >
            {t('admin.account.revokeSessions')}
          </button>
        </div>

        <div className="account-actions__item">
          <h3>{t('admin.account.passwordTitle')}</h3>
          <p className="muted">{t('admin.account.passwordBody', { person })}</p>
          <button
            type="button"
            className="button button--secondary"
            disabled={busy}
            onClick={() => void resetLink()}
          >
            {t('admin.account.resetLink')}
          </button>
        </div>
      </div>

      <div className="account-actions__outcome">
        {error !== null && (
          <p className="message message--error" role="alert">
            {error}
          </p>
        )}
        <p
          role="status"
          className={
            done.kind === 'none' || done.kind === 'resetLink' ? 'visually-hidden' : 'message message--success'
          }
        >
          {done.kind === 'disabled' && t('admin.account.didDisable', { person })}
          {done.kind === 'enabled' && t('admin.account.didEnable', { person })}
          {done.kind === 'twoFactorReset' && t('admin.account.didResetTwoFactor', { person })}
          {done.kind === 'sessionsRevoked' && t('admin.account.didRevoke', { person, count: done.count })}
        </p>
        {done.kind === 'resetLink' && (
          <OneTimeLink
            title={t('admin.account.resetLinkTitle', { person })}
            link={done.link}
            person={person}
            validHours={done.validHours}
          />
        )}
      </div>

      {asking === 'disable' && (
        <ConfirmDialog
          title={t('admin.account.confirmDisableTitle', { person })}
          confirmLabel={t('admin.account.disable')}
          busy={busy}
          error={dialogError}
          onConfirm={() => void disable()}
          onCancel={() => {
            setAsking(null);
          }}
        >
          <p>{t('admin.account.confirmDisableBody', { person })}</p>
        </ConfirmDialog>
      )}
      {asking === 'resetTwoFactor' && (
        <ConfirmDialog
          title={t('admin.account.confirmResetTitle', { person })}
          confirmLabel={t('admin.account.resetTwoFactor')}
          busy={busy}
          error={dialogError}
          onConfirm={() => void resetTwoFactor()}
          onCancel={() => {
            setAsking(null);
          }}
        >
          <p>{t('admin.account.confirmResetBody', { person })}</p>
        </ConfirmDialog>
      )}
      {asking === 'revokeSessions' && (
        <ConfirmDialog
          title={t('admin.account.confirmRevokeTitle', { person })}
          confirmLabel={t('admin.account.revokeSessions')}
          busy={busy}
          error={dialogError}
          onConfirm={() => void revokeSessions()}
          onCancel={() => {
            setAsking(null);
          }}
        >
          <p>{t('admin.account.confirmRevokeBody', { person })}</p>
        </ConfirmDialog>
      )}
      {awaitingConfirmation !== null && (
        <ReauthenticateDialog
          intro={t('admin.account.reauthIntro')}
          confirmLabel={t('admin.account.reauthConfirm')}
          onConfirmed={() => {
            setAwaitingConfirmation(null);
            void act(awaitingConfirmation);
          }}
          onCancel={() => {
            setAwaitingConfirmation(null);
          }}
        />
      )}
    </section>
  );
}

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/describe-error.ts';
import type { TwoFactorStatus } from '../api/types.ts';
import { DisableTwoFactorForm } from './DisableTwoFactorForm.tsx';
import { EnrolmentSteps } from './EnrolmentSteps.tsx';
import { Modal } from './Modal.tsx';
import './two-factor.css';

type Loaded =
  { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'loaded'; status: TwoFactorStatus };

type Dialog = 'none' | 'enable' | 'disable';

/** Fewer recovery codes than this left, and the user is advised to get new ones. */
const FEW_RECOVERY_CODES = 3;

/**
 * The profile's two-factor section. The option appears only where the user's institution offers it (the
 * guide: "if it does not appear, your entity does not have it enabled and you must request it").
 */
export function TwoFactorSection({ username }: { username: string }): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [dialog, setDialog] = useState<Dialog>('none');
  const [outcome, setOutcome] = useState<'none' | 'enabled' | 'disabled'>('none');
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      setLoaded({ kind: 'loaded', status: await api.getTwoFactorStatus() });
    } catch (error) {
      setLoaded({ kind: 'failed', message: describeError(error, t) });
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load]);

  // After a dialog the focus goes back to the button that opened it; once the status is reloaded that
  // button may be gone (Enable became Disable), and then the section's heading takes the focus.
  const refocus = useRef(false);
  useEffect(() => {
    if (!refocus.current || loaded.kind === 'loading') return;
    refocus.current = false;
    if (!heading.current?.parentElement?.contains(document.activeElement)) heading.current?.focus();
  }, [loaded]);

  /** The section shows what is true after a dialog (an Escape may have closed it after enabling). */
  function closeDialog(result: 'none' | 'enabled' | 'disabled'): void {
    setDialog('none');
    refocus.current = true;
    // Said together with the status it describes, not while the old one is still on screen.
    void load().then(() => {
      if (result !== 'none') setOutcome(result);
    });
  }

  const titleId = `${id}-title`;

  return (
    <section
      className="card card--wide two-factor"
      aria-labelledby={titleId}
      aria-busy={loaded.kind === 'loading'}
    >
      <h2 id={titleId} ref={heading} tabIndex={-1}>
        {t('twoFactor.title')}
      </h2>
      {/* Not a live region: the sessions list below already announces that the profile is loading. */}
      {loaded.kind === 'loading' && <p className="muted">{t('twoFactor.profile.loading')}</p>}
      {loaded.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.kind === 'loaded' && (
        <StatusView
          status={loaded.status}
          outcome={outcome}
          onEnable={() => {
            setOutcome('none');
            setDialog('enable');
          }}
          onDisable={() => {
            setOutcome('none');
            setDialog('disable');
          }}
        />
      )}

      {dialog === 'enable' && (
        <Modal
          title={t('twoFactor.profile.enable')}
          onClose={() => {
            closeDialog('none');
          }}
        >
          <EnrolmentSteps
            username={username}
            onCancel={() => {
              closeDialog('none');
            }}
            onFinished={() => {
              closeDialog('enabled');
            }}
          />
        </Modal>
      )}
      {dialog === 'disable' && (
        <Modal
          title={t('twoFactor.profile.disable')}
          onClose={() => {
            closeDialog('none');
          }}
        >
          <DisableTwoFactorForm
            onDisabled={() => {
              closeDialog('disabled');
            }}
            onCancel={() => {
              closeDialog('none');
            }}
          />
        </Modal>
      )}
    </section>
  );
}

interface StatusProps {
  status: TwoFactorStatus;
  outcome: 'none' | 'enabled' | 'disabled';
  onEnable: () => void;
  onDisable: () => void;
}

function StatusView({ status, outcome, onEnable, onDisable }: StatusProps): ReactNode {
  const { t } = useTranslation();

  if (!status.available) {
    return <p className="message message--info">{t('twoFactor.notAvailable')}</p>;
  }

  return (
    <>
      <p className="card__intro">{t('twoFactor.profile.intro')}</p>
      {outcome !== 'none' && (
        <p className="message message--success two-factor__outcome" role="status">
          {outcome === 'enabled' ? t('twoFactor.profile.enabledNow') : t('twoFactor.profile.disabledNow')}
        </p>
      )}
      <dl className="facts two-factor__facts">
        <dt>{t('twoFactor.profile.status')}</dt>
        <dd>
          <span className={`badge ${status.enabled ? 'badge--success' : 'badge--neutral'}`}>
            {status.enabled ? t('twoFactor.profile.enabled') : t('twoFactor.profile.notEnabled')}
          </span>
        </dd>
        {status.enabled && (
          <>
            <dt>{t('twoFactor.profile.recoveryLeft')}</dt>
            <dd>{status.recoveryCodesLeft}</dd>
          </>
        )}
      </dl>
      {status.required && <p className="two-factor__note">{t('twoFactor.profile.required')}</p>}
      {status.enabled && status.recoveryCodesLeft < FEW_RECOVERY_CODES && (
        <p className="message message--warning two-factor__note">{t('twoFactor.profile.recoveryLow')}</p>
      )}
      {status.enabled ? (
        <button type="button" className="button button--secondary" onClick={onDisable}>
          {t('twoFactor.profile.disable')}
        </button>
      ) : (
        <button type="button" className="button button--primary" onClick={onEnable}>
          {t('twoFactor.profile.enable')}
        </button>
      )}
    </>
  );
}

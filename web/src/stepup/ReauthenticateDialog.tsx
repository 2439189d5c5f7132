import { useEffect, useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { Modal } from '../twofactor/Modal.tsx';
import { reauthenticate } from './api.ts';
import { describeReauthenticationError } from './labels.ts';

type SecondFactor = 'checking' | 'needed' | 'notNeeded';

const SIX_DIGITS = /^\d{6}$/;

/**
 * Asks for the password again (and the authenticator's current code, when the user has two-factor
 * on) before a sensitive action (an export, resetting someone's credentials): whoever finds a
 * session left open cannot do it. `intro` says why; `confirmLabel` names the button.
 */
export function ReauthenticateDialog({
  intro,
  confirmLabel,
  onConfirmed,
  onCancel,
}: {
  intro: string;
  confirmLabel: string;
  onConfirmed: () => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [secondFactor, setSecondFactor] = useState<SecondFactor>('checking');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.getTwoFactorStatus().then(
      (status) => {
        if (current) setSecondFactor(status.enabled ? 'needed' : 'notNeeded');
      },
      () => {
        // Without the answer, ask for the code anyway: the server says whether it needs one.
        if (current) setSecondFactor('needed');
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  async function confirm(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const typedCode = code.replace(/\s/g, '');
    if (password === '') {
      setProblem(t('stepup.passwordRequired'));
      return;
    }
    if (secondFactor === 'needed' && !SIX_DIGITS.test(typedCode)) {
      setProblem(t('stepup.codeFormat'));
      return;
    }
    setSending(true);
    setProblem(null);
    try {
      await reauthenticate(api, password, secondFactor === 'needed' ? typedCode : '');
      onConfirmed();
    } catch (error) {
      setProblem(describeReauthenticationError(error, t));
      setSending(false);
    } finally {
      // Neither secret lingers in the form once sent.
      setPassword('');
      setCode('');
    }
  }

  return (
    <Modal title={t('stepup.title')} onClose={onCancel}>
      <form
        className="form"
        aria-label={t('stepup.title')}
        aria-describedby={`${id}-intro`}
        noValidate
        onSubmit={(event) => void confirm(event)}
      >
        <p id={`${id}-intro`}>{intro}</p>
        <div className="field">
          <label htmlFor={`${id}-password`}>{t('stepup.password')}</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            autoFocus
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
            }}
          />
        </div>
        {secondFactor === 'needed' && (
          <div className="field">
            <label htmlFor={`${id}-code`}>{t('stepup.code')}</label>
            <input
              id={`${id}-code`}
              className="code-input"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={9}
              required
              value={code}
              onChange={(event) => {
                setCode(event.target.value);
              }}
            />
          </div>
        )}
        {problem !== null && (
          <p className="message message--error" role="alert">
            {problem}
          </p>
        )}
        <div className="button-row">
          <button
            type="submit"
            className="button button--primary"
            disabled={sending || secondFactor === 'checking'}
            aria-busy={sending}
          >
            {sending ? t('stepup.confirming') : confirmLabel}
          </button>
          <button type="button" className="button button--secondary" disabled={sending} onClick={onCancel}>
            {t('stepup.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

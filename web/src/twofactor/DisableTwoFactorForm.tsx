import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError } from '../api/client.ts';
import { CodeField } from './CodeField.tsx';
import { compactCode, isSixDigitCode } from './codes.ts';
import { describeCodeError } from './errors.ts';

type Attempt = { kind: 'idle' } | { kind: 'sending' } | { kind: 'failed'; message: string };

interface Props {
  onDisabled: () => void;
  onCancel: () => void;
}

/** Turning two-factor off takes the password and a current code, so a session left open is not enough. */
export function DisableTwoFactorForm({ onDisabled, onCancel }: Props): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (password === '') {
      setAttempt({ kind: 'failed', message: t('twoFactor.passwordMissing') });
      return;
    }
    if (!isSixDigitCode(code)) {
      setAttempt({ kind: 'failed', message: t('twoFactor.codeFormat') });
      return;
    }
    setAttempt({ kind: 'sending' });
    try {
      await api.disableTwoFactor(password, compactCode(code));
      onDisabled();
    } catch (error) {
      setAttempt({ kind: 'failed', message: describeCodeError(error, t) });
      if (error instanceof ApiError && error.code === 'invalid_credentials') setPassword('');
      setCode('');
    }
  }

  const sending = attempt.kind === 'sending';
  const errorId = `${id}-error`;

  return (
    <form
      className="form"
      noValidate
      aria-describedby={attempt.kind === 'failed' ? errorId : undefined}
      onSubmit={(event) => void submit(event)}
    >
      <p>{t('twoFactor.disable.intro')}</p>
      <div className="field">
        <label htmlFor={`${id}-password`}>{t('twoFactor.disable.password')}</label>
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
      <CodeField
        label={t('twoFactor.codeLabel')}
        value={code}
        onChange={setCode}
        problemId={attempt.kind === 'failed' ? errorId : undefined}
      />
      {attempt.kind === 'failed' && (
        <p id={errorId} className="message message--error" role="alert">
          {attempt.message}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--danger" disabled={sending} aria-busy={sending}>
          {sending ? t('twoFactor.disable.submitting') : t('twoFactor.disable.submit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('twoFactor.cancel')}
        </button>
      </div>
    </form>
  );
}

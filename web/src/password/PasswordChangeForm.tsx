import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError, passwordReasonsOf } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import type { PasswordReason, PasswordRequirements as Requirements } from '../api/types.ts';
import { PasswordReasons } from './PasswordReasons.tsx';
import { PasswordRequirements } from './PasswordRequirements.tsx';
import { useLivePasswordCheck } from './useLivePasswordCheck.ts';

type Result =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  | { kind: 'failed'; message: string }
  | { kind: 'rejected'; reasons: PasswordReason[] }
  | { kind: 'changed' };

interface Props {
  requirements: Requirements;
  /** Called once the server has accepted the new password. */
  onChanged?: () => void;
}

/** Current password, new password twice; the new one is judged by the server while it is typed. */
export function PasswordChangeForm({ requirements, onChanged }: Props): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setResult] = useState<Result>({ kind: 'idle' });
  const live = useLivePasswordCheck(next);

  // Said while the confirmation is typed only once it can no longer turn into a match.
  const mismatch = confirm !== '' && !next.startsWith(confirm);

  function edit(setter: (value: string) => void): (value: string) => void {
    return (value) => {
      setter(value);
      if (result.kind !== 'submitting') setResult({ kind: 'idle' });
    };
  }

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (next !== confirm) {
      setResult({ kind: 'failed', message: t('password.mismatch') });
      return;
    }
    setResult({ kind: 'submitting' });
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setResult({ kind: 'changed' });
      onChanged?.();
    } catch (error) {
      const reasons = passwordReasonsOf(error);
      if (reasons.length > 0) {
        setResult({ kind: 'rejected', reasons });
      } else if (error instanceof ApiError && error.code === 'invalid_credentials') {
        setCurrent('');
        setResult({ kind: 'failed', message: t('password.currentIncorrect') });
      } else {
        setResult({ kind: 'failed', message: describeError(error, t) });
      }
    }
  }

  const submitting = result.kind === 'submitting';
  const requirementsId = `${id}-requirements`;
  const liveId = `${id}-live`;
  const mismatchId = `${id}-mismatch`;

  return (
    <form className="form" onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={`${id}-current`}>{t('password.current')}</label>
        <input
          id={`${id}-current`}
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => {
            edit(setCurrent)(event.target.value);
          }}
        />
      </div>

      <div className="field">
        <label htmlFor={`${id}-new`}>{t('password.new')}</label>
        <input
          id={`${id}-new`}
          type="password"
          autoComplete="new-password"
          required
          aria-describedby={`${requirementsId} ${liveId}`}
          aria-invalid={live.kind === 'rejected'}
          value={next}
          onChange={(event) => {
            edit(setNext)(event.target.value);
          }}
        />
        <div id={liveId} className="password-live" aria-live="polite" data-state={live.kind}>
          {live.kind === 'checking' && <p className="password-live__checking">{t('password.checking')}</p>}
          {live.kind === 'acceptable' && <p className="password-live__ok">{t('password.acceptable')}</p>}
          {live.kind === 'rejected' && (
            <PasswordReasons reasons={live.reasons} minLength={requirements.minLength} />
          )}
        </div>
        <PasswordRequirements id={requirementsId} requirements={requirements} />
      </div>

      <div className="field">
        <label htmlFor={`${id}-confirm`}>{t('password.confirm')}</label>
        <input
          id={`${id}-confirm`}
          type="password"
          autoComplete="new-password"
          required
          aria-describedby={mismatch ? mismatchId : undefined}
          aria-invalid={mismatch}
          value={confirm}
          onChange={(event) => {
            edit(setConfirm)(event.target.value);
          }}
        />
        {mismatch && (
          <p id={mismatchId} className="field__problem">
            {t('password.mismatch')}
          </p>
        )}
      </div>

      {result.kind === 'failed' && (
        <p className="message message--error" role="alert">
          {result.message}
        </p>
      )}
      {result.kind === 'rejected' && (
        <div className="message message--error" role="alert">
          <PasswordReasons reasons={result.reasons} minLength={requirements.minLength} />
        </div>
      )}
      {result.kind === 'changed' && (
        <p className="message message--success" role="status">
          {t('password.changed')}
        </p>
      )}

      <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
        {submitting ? t('password.submitting') : t('password.submit')}
      </button>
    </form>
  );
}

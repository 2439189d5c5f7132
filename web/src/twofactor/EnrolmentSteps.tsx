import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError } from '../api/client.ts';
import type { TwoFactorEnrolment } from '../api/types.ts';
import { CodeField } from './CodeField.tsx';
import { compactCode, isSixDigitCode } from './codes.ts';
import { describeCodeError } from './errors.ts';
import { RecoveryCodes } from './RecoveryCodes.tsx';
import { SecretKey } from './SecretKey.tsx';

type Step =
  | { kind: 'password' }
  | { kind: 'scan'; enrolment: TwoFactorEnrolment }
  | { kind: 'code'; enrolment: TwoFactorEnrolment }
  | { kind: 'codes'; recoveryCodes: string[] };

const STEP_NUMBER: Record<Step['kind'], number> = { password: 1, scan: 2, code: 3, codes: 4 };

type Attempt = { kind: 'idle' } | { kind: 'sending' } | { kind: 'failed'; message: string };

interface Props {
  username: string;
  /** Offered as Cancel on the steps before two-factor is on; absent where enrolment cannot be skipped. */
  onCancel?: () => void;
  /** Two-factor is on (the recovery codes are showing). */
  onEnabled?: () => void;
  /** The user has saved the recovery codes. */
  onFinished: () => void;
  /** The label of the last button, when finishing leads somewhere. */
  finishLabel?: string;
}

/**
 * Enabling two-factor authentication, as the institutions' guide describes it: the password again, then
 * a QR code and the same secret as text to load into Google Authenticator or FreeOTP, then the app's
 * 6-digit code to confirm, then the recovery codes, shown once.
 */
export function EnrolmentSteps({ username, onCancel, onEnabled, onFinished, finishLabel }: Props): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });
  const codeInput = useRef<HTMLInputElement>(null);
  const stepLabel = useRef<HTMLParagraphElement>(null);

  // Steps that are read before acting start from their top (on a phone the dialog scrolls there too);
  // the steps that ask for something focus their field instead.
  useEffect(() => {
    if (step.kind !== 'scan' && step.kind !== 'codes') return;
    stepLabel.current?.focus();
    // In a dialog, from the very top: its title too.
    stepLabel.current?.closest('dialog')?.scrollTo({ top: 0 });
  }, [step.kind]);

  const sending = attempt.kind === 'sending';
  const errorId = `${id}-error`;
  const problemId = attempt.kind === 'failed' ? errorId : undefined;

  function go(next: Step): void {
    setAttempt({ kind: 'idle' });
    setStep(next);
  }

  async function checkPassword(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setAttempt({ kind: 'sending' });
    try {
      const enrolment = await api.beginTwoFactorEnrolment(password);
      go({ kind: 'scan', enrolment });
    } catch (error) {
      setAttempt({ kind: 'failed', message: describeCodeError(error, t) });
    } finally {
      setPassword('');
    }
  }

  async function confirm(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    // Checked here first: a mistyped code is pointed out without asking the server.
    if (!isSixDigitCode(code)) {
      setAttempt({ kind: 'failed', message: t('twoFactor.codeFormat') });
      codeInput.current?.focus();
      return;
    }
    setAttempt({ kind: 'sending' });
    try {
      const recoveryCodes = await api.confirmTwoFactorEnrolment(compactCode(code));
      go({ kind: 'codes', recoveryCodes });
      onEnabled?.();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'conflict') {
        // The waiting secret expired or another tab replaced it: only a new one can be confirmed.
        setStep({ kind: 'password' });
        setAttempt({ kind: 'failed', message: t('twoFactor.enrol.startAgain') });
      } else {
        setAttempt({ kind: 'failed', message: describeCodeError(error, t) });
        codeInput.current?.focus();
      }
    } finally {
      setCode('');
    }
  }

  const failure = attempt.kind === 'failed' && (
    <p id={errorId} className="message message--error" role="alert">
      {attempt.message}
    </p>
  );
  const cancel = onCancel && (
    <button type="button" className="button button--secondary" onClick={onCancel}>
      {t('twoFactor.cancel')}
    </button>
  );

  return (
    <div className="enrolment" data-step={step.kind}>
      <p ref={stepLabel} className="enrolment__step muted" tabIndex={-1}>
        {t('twoFactor.enrol.step', { step: STEP_NUMBER[step.kind] })}
      </p>

      {step.kind === 'password' && (
        <form className="form" onSubmit={(event) => void checkPassword(event)}>
          <p>{t('twoFactor.enrol.passwordIntro')}</p>
          <div className="field">
            <label htmlFor={`${id}-password`}>{t('twoFactor.enrol.password')}</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              aria-invalid={problemId !== undefined}
              aria-describedby={problemId}
              value={password}
              onChange={(event) => {
                setPassword(event.target.value);
              }}
            />
          </div>
          {failure}
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={sending} aria-busy={sending}>
              {sending ? t('twoFactor.enrol.checking') : t('twoFactor.enrol.continue')}
            </button>
            {cancel}
          </div>
        </form>
      )}

      {step.kind === 'scan' && (
        <div className="form">
          <SecretKey enrolment={step.enrolment} />
          <div className="button-row">
            <button
              type="button"
              className="button button--primary"
              onClick={() => {
                go({ kind: 'code', enrolment: step.enrolment });
              }}
            >
              {t('twoFactor.enrol.next')}
            </button>
            {cancel}
          </div>
        </div>
      )}

      {step.kind === 'code' && (
        <form className="form" noValidate onSubmit={(event) => void confirm(event)}>
          <p>{t('twoFactor.enrol.codeIntro')}</p>
          <CodeField
            label={t('twoFactor.codeLabel')}
            value={code}
            onChange={(value) => {
              setCode(value);
              if (attempt.kind === 'failed') setAttempt({ kind: 'idle' });
            }}
            problemId={problemId}
            autoFocus
            inputRef={codeInput}
          />
          {failure}
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={sending} aria-busy={sending}>
              {sending ? t('twoFactor.enrol.confirming') : t('twoFactor.enrol.confirm')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                go({ kind: 'scan', enrolment: step.enrolment });
              }}
            >
              {t('twoFactor.enrol.back')}
            </button>
            {cancel}
          </div>
        </form>
      )}

      {step.kind === 'codes' && (
        <RecoveryCodes
          codes={step.recoveryCodes}
          username={username}
          onSaved={onFinished}
          {...(finishLabel === undefined ? {} : { savedLabel: finishLabel })}
        />
      )}
    </div>
  );
}

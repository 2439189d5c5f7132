import { useId, useRef, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import type { LoginResult, SecondFactorAnswer } from '../api/types.ts';
import { CodeField } from './CodeField.tsx';
import { compactCode, isSixDigitCode, normaliseRecoveryCode } from './codes.ts';
import { isChallengeSpent, secondFactorReasonOf } from './errors.ts';
import './two-factor.css';

type Mode = 'code' | 'recovery';

type Attempt = { kind: 'idle' } | { kind: 'sending' } | { kind: 'failed'; message: string };

interface Props {
  /** The challenge the password step answered with. */
  challenge: string;
  /** The session has started. */
  onSignedIn: (result: LoginResult) => Promise<void>;
  /** Back to the password step, saying why when there is a reason (the challenge expired or was spent). */
  onRestart: (message: string | null) => void;
}

function describeRefusal(error: unknown, mode: Mode, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'second_factor_invalid') {
    if (mode === 'recovery') return t('twoFactor.signIn.recoveryInvalid');
    return secondFactorReasonOf(error) === 'code_used' ? t('twoFactor.codeUsed') : t('twoFactor.codeInvalid');
  }
  return describeError(error, t);
}

/** The sign-in's second step: the 6-digit code from the authenticator app, or a recovery code. */
export function SecondFactorSignIn({ challenge, onSignedIn, onRestart }: Props): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [mode, setMode] = useState<Mode>('code');
  const [value, setValue] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });
  const input = useRef<HTMLInputElement>(null);

  function refuse(message: string): void {
    setAttempt({ kind: 'failed', message });
    input.current?.focus();
  }

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    // Each wrong answer spends one of the challenge's few tries, so a malformed one is not sent.
    let answer: SecondFactorAnswer;
    if (mode === 'code') {
      if (!isSixDigitCode(value)) {
        refuse(t('twoFactor.codeFormat'));
        return;
      }
      answer = { code: compactCode(value) };
    } else {
      const recoveryCode = normaliseRecoveryCode(value);
      if (recoveryCode === null) {
        refuse(t('twoFactor.signIn.recoveryFormat'));
        return;
      }
      answer = { recoveryCode };
    }
    setAttempt({ kind: 'sending' });
    try {
      const result = await api.answerSecondFactor(challenge, answer);
      await onSignedIn(result);
    } catch (error) {
      if (isChallengeSpent(error)) {
        onRestart(
          secondFactorReasonOf(error) === 'too_many_attempts'
            ? t('twoFactor.signIn.tooManyAttempts')
            : t('twoFactor.signIn.expired'),
        );
        return;
      }
      setValue('');
      refuse(describeRefusal(error, mode, t));
    }
  }

  function switchTo(next: Mode): void {
    setMode(next);
    setValue('');
    // The field is made anew for the other kind of code (see its key) and takes the focus as it appears.
    setAttempt({ kind: 'idle' });
  }

  const sending = attempt.kind === 'sending';
  const headingId = `${id}-heading`;
  const errorId = `${id}-error`;
  const problemId = attempt.kind === 'failed' ? errorId : undefined;

  return (
    <form
      className="form second-factor"
      aria-labelledby={headingId}
      noValidate
      onSubmit={(event) => void submit(event)}
    >
      <h2 id={headingId}>{t('twoFactor.title')}</h2>
      <p className="muted">
        {mode === 'code' ? t('twoFactor.signIn.codeIntro') : t('twoFactor.signIn.recoveryIntro')}
      </p>
      <CodeField
        key={mode}
        kind={mode === 'code' ? 'totp' : 'recovery'}
        label={mode === 'code' ? t('twoFactor.codeLabel') : t('twoFactor.signIn.recoveryLabel')}
        value={value}
        onChange={(next) => {
          setValue(next);
          if (attempt.kind === 'failed') setAttempt({ kind: 'idle' });
        }}
        problemId={problemId}
        autoFocus
        inputRef={input}
      />
      {attempt.kind === 'failed' && (
        <p id={errorId} className="message message--error" role="alert">
          {attempt.message}
        </p>
      )}
      <button type="submit" className="button button--primary" disabled={sending} aria-busy={sending}>
        {sending ? t('twoFactor.signIn.submitting') : t('twoFactor.signIn.submit')}
      </button>
      <div className="second-factor__links">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            switchTo(mode === 'code' ? 'recovery' : 'code');
          }}
        >
          {mode === 'code' ? t('twoFactor.signIn.useRecovery') : t('twoFactor.signIn.useCode')}
        </button>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            onRestart(null);
          }}
        >
          {t('twoFactor.signIn.startOver')}
        </button>
      </div>
    </form>
  );
}

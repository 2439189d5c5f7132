import { useEffect, useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError, captchaDemandedBy, isCaptchaDemand } from '../api/client.ts';
import type { CaptchaInfo } from '../api/types.ts';
import { describeError } from '../api/describe-error.ts';
import { CaptchaField } from '../captcha/CaptchaField.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useSession } from '../session/SessionContext.tsx';
import type { SessionNotice } from '../session/SessionContext.tsx';
import { SecondFactorSignIn } from '../twofactor/SecondFactorSignIn.tsx';

type Attempt = { kind: 'idle' } | { kind: 'submitting' } | { kind: 'failed'; message: string };

function describeFailure(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'invalid_credentials')
    return t('signIn.invalidCredentials');
  return describeError(error, t);
}

const NOTICE_STYLE: Record<SessionNotice, string> = {
  signedOut: 'message--success',
  sessionEnded: 'message--info',
  signOutUnconfirmed: 'message--warning',
  outsideAccessHours: 'message--warning',
};

export function SignInPage(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const session = useSession();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });
  // The deployment's captcha; shown from the start when it is asked for always, otherwise once the
  // server asks for it (after failed attempts).
  const [configuredCaptcha, setConfiguredCaptcha] = useState<CaptchaInfo | null>(null);
  const [captcha, setCaptcha] = useState<CaptchaInfo | null>(null);
  const [captchaToken, setCaptchaToken] = useState<string | undefined>(undefined);
  const [captchaRound, setCaptchaRound] = useState(0);
  // Set once the password was right for an account with two-factor on: the code is asked next.
  const [challenge, setChallenge] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.getPublicConfig().then(
      (config) => {
        if (!current || config.captcha.provider === 'none') return;
        setConfiguredCaptcha(config.captcha);
        if (config.captcha.when === 'always') setCaptcha(config.captcha);
      },
      () => {
        // Without the configuration the form still works: the server asks for a captcha if it needs one.
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  async function signIn(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (captcha !== null && captchaToken === undefined) {
      setAttempt({
        kind: 'failed',
        message: captcha.provider === 'altcha' ? t('captcha.stillVerifying') : t('captcha.notDone'),
      });
      return;
    }
    setAttempt({ kind: 'submitting' });
    const sentCaptcha = captchaToken;
    try {
      const result = await api.login({
        username,
        password,
        ...(sentCaptcha === undefined ? {} : { captcha: sentCaptcha }),
      });
      if ('secondFactor' in result) {
        // The captcha answer is spent; should the password be asked again, a new one is needed.
        setCaptchaToken(undefined);
        if (sentCaptcha !== undefined) setCaptchaRound((round) => round + 1);
        setAttempt({ kind: 'idle' });
        setChallenge(result.secondFactor.challenge);
        return;
      }
      // The session now exists; the app shows whatever page it allows.
      await session.signedIn(result.notices ?? []);
    } catch (error) {
      const wanted = isCaptchaDemand(error);
      if (wanted) {
        const info = captchaDemandedBy(error) ?? configuredCaptcha;
        if (info !== null && info.provider !== 'none') setCaptcha(info);
      }
      // A captcha answer is good for one attempt only.
      if (sentCaptcha !== undefined || wanted) setCaptchaRound((round) => round + 1);
      setAttempt({ kind: 'failed', message: describeFailure(error, t) });
    } finally {
      // A password never lingers in the form after it has been sent.
      setPassword('');
    }
  }

  const submitting = attempt.kind === 'submitting';
  const headingId = `${id}-heading`;
  const errorId = `${id}-error`;
  const notice = session.notice;

  if (challenge !== null) {
    return (
      <section className="card sign-in" aria-labelledby={headingId}>
        <PageHeading id={headingId} title={t('signIn.title')} />
        <SecondFactorSignIn
          challenge={challenge}
          onSignedIn={(result) => session.signedIn(result.notices ?? [])}
          onRestart={(message) => {
            setChallenge(null);
            setAttempt(message === null ? { kind: 'idle' } : { kind: 'failed', message });
          }}
        />
      </section>
    );
  }

  return (
    <section className="card sign-in" aria-labelledby={headingId}>
      <PageHeading id={headingId} title={t('signIn.title')} />
      <p className="card__intro">{t('signIn.intro')}</p>

      {notice !== null && (
        <p className={`message ${NOTICE_STYLE[notice]} sign-in__notice`} role="status">
          {t(`notices.${notice}`)}
        </p>
      )}

      <form
        className="form"
        aria-labelledby={headingId}
        aria-describedby={attempt.kind === 'failed' ? errorId : undefined}
        onSubmit={(event) => void signIn(event)}
      >
        <div className="field">
          <label htmlFor={`${id}-username`}>{t('signIn.username')}</label>
          <input
            id={`${id}-username`}
            name="username"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            required
            value={username}
            onChange={(event) => {
              setUsername(event.target.value);
            }}
          />
        </div>

        <div className="field">
          <label htmlFor={`${id}-password`}>{t('signIn.password')}</label>
          <input
            id={`${id}-password`}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
            }}
          />
        </div>

        {captcha !== null && <CaptchaField info={captcha} round={captchaRound} onToken={setCaptchaToken} />}

        {attempt.kind === 'failed' && (
          <p id={errorId} className="message message--error" role="alert">
            {attempt.message}
          </p>
        )}

        <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
          {submitting ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </form>
    </section>
  );
}

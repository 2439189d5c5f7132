import { useEffect, useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError, passwordReasonsOf } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';
import type { PasswordReason } from '../api/types.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { PasswordReasons } from '../password/PasswordReasons.tsx';
import { Link } from '../router/Router.tsx';
import { useSession } from '../session/SessionContext.tsx';

type Result =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  | { kind: 'failed'; message: string }
  | { kind: 'rejected'; reasons: PasswordReason[] }
  | { kind: 'done' };

/** The token of a set-password link, which travels in the fragment so it never reaches a server log. */
function tokenFromFragment(): string | null {
  const token = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token');
  return token === null || token === '' ? null : token;
}

/**
 * The page a set-password or reset link opens (`/set-password#token=…`). Without a session there is no
 * live check, so the server's reasons are shown when it refuses the password.
 */
export function SetPasswordPage(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const session = useSession();
  const id = useId();
  const [token] = useState(tokenFromFragment);
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setResult] = useState<Result>({ kind: 'idle' });

  useEffect(() => {
    // Once read, the secret leaves the address bar and the history entry: nobody looking over a shoulder
    // or at the browser history later can use what remains of the link.
    if (window.location.hash !== '') {
      window.history.replaceState(window.history.state, '', window.location.pathname);
    }
  }, []);

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (token === null) return;
    if (next !== confirm) {
      setResult({ kind: 'failed', message: t('password.mismatch') });
      return;
    }
    setResult({ kind: 'submitting' });
    try {
      await api.resetPassword(token, next);
      setNext('');
      setConfirm('');
      setResult({ kind: 'done' });
      // Setting the password ended every session of that account, perhaps this browser's.
      void session.refresh();
    } catch (error) {
      const reasons = passwordReasonsOf(error);
      if (reasons.length > 0) setResult({ kind: 'rejected', reasons });
      else if (
        error instanceof ApiError &&
        (error.code === 'invalid_token' || error.code === 'validation_failed')
      )
        setResult({ kind: 'failed', message: t('setPassword.invalidToken') });
      else setResult({ kind: 'failed', message: describeError(error, t) });
    }
  }

  const submitting = result.kind === 'submitting';
  const headingId = `${id}-heading`;
  const mismatch = confirm !== '' && !next.startsWith(confirm);

  return (
    <section className="card" aria-labelledby={headingId}>
      <PageHeading id={headingId} title={t('setPassword.title')} />
      {token === null ? (
        <p className="message message--error" role="alert">
          {t('setPassword.missingToken')}
        </p>
      ) : result.kind === 'done' ? (
        <div className="form">
          <p className="message message--success" role="status">
            {t('setPassword.done')}
          </p>
          <Link to="/" className="button button--primary">
            {t('setPassword.signIn')}
          </Link>
        </div>
      ) : (
        <>
          <p className="card__intro">
            {t('setPassword.intro')} {t('password.requirements.hint')}
          </p>
          <form className="form" aria-labelledby={headingId} onSubmit={(event) => void submit(event)}>
            <div className="field">
              <label htmlFor={`${id}-new`}>{t('setPassword.new')}</label>
              <input
                id={`${id}-new`}
                type="password"
                autoComplete="new-password"
                required
                value={next}
                onChange={(event) => {
                  setNext(event.target.value);
                }}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-confirm`}>{t('setPassword.confirm')}</label>
              <input
                id={`${id}-confirm`}
                type="password"
                autoComplete="new-password"
                required
                aria-invalid={mismatch}
                value={confirm}
                onChange={(event) => {
                  setConfirm(event.target.value);
                }}
              />
              {mismatch && <p className="field__problem">{t('password.mismatch')}</p>}
            </div>

            {result.kind === 'failed' && (
              <p className="message message--error" role="alert">
                {result.message}
              </p>
            )}
            {result.kind === 'rejected' && (
              <div className="message message--error" role="alert">
                <PasswordReasons reasons={result.reasons} />
              </div>
            )}

            <button
              type="submit"
              className="button button--primary"
              disabled={submitting}
              aria-busy={submitting}
            >
              {submitting ? t('setPassword.submitting') : t('setPassword.submit')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

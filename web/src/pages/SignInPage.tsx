import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useApi } from '../api/ApiContext.tsx';
import { ApiError } from '../api/client.ts';

type Attempt =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  | { kind: 'failed'; message: string }
  | { kind: 'signedIn' }
  | { kind: 'secondFactor' };

function describeFailure(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    if (error.code === 'network_error') return t('signIn.errors.network');
    // The server's own words when it sent them; a proxy's bare 502 or an HTML page gets ours.
    if (error.code !== 'http_error' && error.code !== 'invalid_response') return error.message;
  }
  return t('signIn.errors.unexpected');
}

export function SignInPage(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [attempt, setAttempt] = useState<Attempt>({ kind: 'idle' });

  async function signIn(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setAttempt({ kind: 'submitting' });
    try {
      const result = await api.login({ username, password });
      setAttempt(result.kind === 'secondFactor' ? { kind: 'secondFactor' } : { kind: 'signedIn' });
    } catch (error) {
      setAttempt({ kind: 'failed', message: describeFailure(error, t) });
    } finally {
      // A password never lingers in the form after it has been sent.
      setPassword('');
    }
  }

  const submitting = attempt.kind === 'submitting';
  const headingId = `${id}-heading`;
  const errorId = `${id}-error`;

  return (
    <section className="card sign-in" aria-labelledby={headingId}>
      <h1 id={headingId}>{t('signIn.title')}</h1>
      <p className="card__intro">{t('signIn.intro')}</p>

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

        {attempt.kind === 'failed' && (
          <p id={errorId} className="message message--error" role="alert">
            {attempt.message}
          </p>
        )}
        {attempt.kind === 'signedIn' && (
          <p className="message message--success" role="status">
            {t('signIn.signedIn')}
          </p>
        )}
        {attempt.kind === 'secondFactor' && (
          <p className="message message--info" role="status">
            {t('signIn.secondFactorRequired')}
          </p>
        )}

        <button type="submit" className="button button--primary" disabled={submitting} aria-busy={submitting}>
          {submitting ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </form>
    </section>
  );
}

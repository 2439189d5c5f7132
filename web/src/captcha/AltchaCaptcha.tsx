import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';

type Progress = 'verifying' | 'verified' | 'failed';

interface Props {
  /** Changes after every use of a solution: each is accepted once, so a new challenge is solved. */
  round: number;
  onToken: (token: string | undefined) => void;
}

/** Fetches a proof-of-work challenge and solves it as soon as it is shown; the user only waits. */
export function AltchaCaptcha({ round, onToken }: Props): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const [progress, setProgress] = useState<Progress>('verifying');
  const [retries, setRetries] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setProgress('verifying');
    onToken(undefined);
    // The solver is fetched only when a captcha is asked for, alongside the challenge.
    Promise.all([api.getCaptchaChallenge(), import('./altcha.ts')])
      .then(([challenge, { solveAltchaChallenge }]) => solveAltchaChallenge(challenge, controller))
      .then(
        (payload) => {
          if (controller.signal.aborted) return;
          if (payload === null) {
            setProgress('failed');
            return;
          }
          onToken(payload);
          setProgress('verified');
        },
        () => {
          if (!controller.signal.aborted) setProgress('failed');
        },
      );
    return () => {
      controller.abort();
    };
  }, [api, round, retries, onToken]);

  return (
    <div className="captcha captcha--altcha" data-state={progress}>
      <p className="captcha__status" role="status">
        {progress === 'verifying' && t('captcha.verifying')}
        {progress === 'verified' && t('captcha.verified')}
        {progress === 'failed' && t('captcha.failed')}
      </p>
      {progress === 'failed' && (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            setRetries((n) => n + 1);
          }}
        >
          {t('captcha.retry')}
        </button>
      )}
    </div>
  );
}

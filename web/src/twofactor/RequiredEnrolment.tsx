import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/describe-error.ts';
import { useRouter } from '../router/Router.tsx';
import { useMe, useSession } from '../session/SessionContext.tsx';
import { EnrolmentSteps } from './EnrolmentSteps.tsx';
import './two-factor.css';

type Availability = { kind: 'checking' } | { kind: 'available' } | { kind: 'unavailable'; message: string };

/**
 * Enrolment on the page itself, for a session that may do nothing else until it is done. Afterwards the
 * session is asked for again (the server has made it a full one) and the user continues home.
 */
export function RequiredEnrolment(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const me = useMe();
  const session = useSession();
  const { navigate } = useRouter();
  const [availability, setAvailability] = useState<Availability>({ kind: 'checking' });

  useEffect(() => {
    let current = true;
    api.getTwoFactorStatus().then(
      (status) => {
        if (!current) return;
        // A level that requires it where it is not offered cannot be satisfied here: an administrator must act.
        setAvailability(
          status.available
            ? { kind: 'available' }
            : { kind: 'unavailable', message: t('twoFactor.notAvailable') },
        );
      },
      (error: unknown) => {
        if (current) setAvailability({ kind: 'unavailable', message: describeError(error, t) });
      },
    );
    return () => {
      current = false;
    };
  }, [api, t]);

  if (availability.kind === 'checking') {
    return (
      <p className="muted" role="status">
        {t('twoFactor.required.loading')}
      </p>
    );
  }
  if (availability.kind === 'unavailable') {
    return (
      <p className="message message--error" role="alert">
        {availability.message}
      </p>
    );
  }
  return (
    <>
      <h2>{t('twoFactor.required.setUp')}</h2>
      <EnrolmentSteps
        username={me.user.username}
        finishLabel={t('twoFactor.required.done')}
        onFinished={() => {
          navigate('/', { replace: true });
          void session.refresh();
        }}
      />
    </>
  );
}

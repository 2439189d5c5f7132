import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session/SessionContext.tsx';
import './admin.css';

/** How long before the end of the access hours the warning shows. */
export const WARNING_MINUTES = 10;
const WARNING_MS = WARNING_MINUTES * 60_000;
// The clocks of browser and server may differ a little: ask after the end, not at it, and not in a loop.
const AFTER_END_MS = 2_000;
const RECHECK_MS = 30_000;

/**
 * Warns ten minutes before the user's access hours end, and asks the server again once they have:
 * the server then closes the session, and the sign-in page says why.
 */
export function AccessHoursWarning(): ReactNode {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const endsAt = session.status.kind === 'signedIn' ? session.status.me.accessEndsAt : null;
  const { refresh } = session;
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (endsAt === null) return;
    const end = Date.parse(endsAt);
    if (Number.isNaN(end)) return;
    const current = Date.now();
    setNow(current);
    const timers: number[] = [];
    if (current < end - WARNING_MS) {
      timers.push(
        window.setTimeout(
          () => {
            setNow(Date.now());
          },
          end - WARNING_MS - current,
        ),
      );
    }
    timers.push(
      window.setTimeout(
        () => {
          void refresh();
        },
        current < end ? end - current + AFTER_END_MS : RECHECK_MS,
      ),
    );
    return () => {
      for (const timer of timers) window.clearTimeout(timer);
    };
  }, [endsAt, refresh]);

  if (endsAt === null) return null;
  const end = Date.parse(endsAt);
  if (Number.isNaN(end) || now < end - WARNING_MS) return null;
  const time = new Intl.DateTimeFormat(i18n.resolvedLanguage ?? i18n.language, { timeStyle: 'short' }).format(
    end,
  );
  return (
    <p className="message message--warning access-hours-warning" role="alert">
      {t('accessHours.endingSoon', { time })}
    </p>
  );
}

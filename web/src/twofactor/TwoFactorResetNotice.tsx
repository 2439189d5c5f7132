import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../router/Router.tsx';
import { useSession } from '../session/SessionContext.tsx';

/**
 * Said once, on the first page after the sign-in that reported it: an administrator turned the user's
 * two-factor authentication off, so signing in took the password alone until it is enabled again.
 */
export function TwoFactorResetNotice(): ReactNode {
  const { t } = useTranslation();
  const { signInNotices, clearSignInNotices } = useSession();
  // Read once when the page appears; the session forgets the notice so that it is not said again.
  const [reset] = useState(() => signInNotices.includes('two_factor_reset'));
  useEffect(() => {
    clearSignInNotices();
  }, [clearSignInNotices]);

  if (!reset) return null;
  return (
    <p className="message message--warning two-factor-reset" role="status">
      {t('twoFactor.resetNotice')} <Link to="/profile">{t('twoFactor.resetNoticeLink')}</Link>
    </p>
  );
}

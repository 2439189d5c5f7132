import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SessionsList } from '../account/SessionsList.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PasswordChangeForm } from '../password/PasswordChangeForm.tsx';
import { Link } from '../router/Router.tsx';
import { useMe } from '../session/SessionContext.tsx';
import { TwoFactorSection } from '../twofactor/TwoFactorSection.tsx';

export function ProfilePage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const id = useId();
  // A password change signs out the other sessions; the list is fetched again to show it.
  const [passwordChanges, setPasswordChanges] = useState(0);

  return (
    <div className="page">
      <PageHeading title={t('profile.title')} />

      <section className="card card--wide" aria-labelledby={`${id}-account`}>
        <h2 id={`${id}-account`}>{t('profile.account')}</h2>
        <dl className="facts">
          <dt>{t('profile.displayName')}</dt>
          <dd>{me.user.displayName}</dd>
          <dt>{t('profile.username')}</dt>
          <dd>{me.user.username}</dd>
        </dl>
        <p>
          <Link to="/profile/sign-ins">{t('profile.history')}</Link>
        </p>
      </section>

      <section className="card card--wide" aria-labelledby={`${id}-password`}>
        <h2 id={`${id}-password`}>{t('password.changeTitle')}</h2>
        <PasswordChangeForm
          requirements={me.passwordRequirements}
          onChanged={() => {
            setPasswordChanges((n) => n + 1);
          }}
        />
      </section>

      <TwoFactorSection username={me.user.username} />

      <SessionsList reloadKey={passwordChanges} />
    </div>
  );
}

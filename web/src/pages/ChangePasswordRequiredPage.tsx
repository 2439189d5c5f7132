import { useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';
import { PasswordChangeForm } from '../password/PasswordChangeForm.tsx';
import { useRouter } from '../router/Router.tsx';
import { useMe, useSession } from '../session/SessionContext.tsx';

/**
 * Shown on every path while the session may only change the password (it expired, or an administrator
 * asked for a new one). The server refuses everything else until then; this page says why.
 */
export function ChangePasswordRequiredPage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const session = useSession();
  const { navigate } = useRouter();
  const [changed, setChanged] = useState(false);

  return (
    <section className="card card--wide">
      <PageHeading title={t('changeRequired.title')} />
      {changed ? (
        <div className="form">
          <p className="message message--success" role="status">
            {t('changeRequired.done')}
          </p>
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              navigate('/');
              void session.refresh();
            }}
          >
            {t('changeRequired.continue')}
          </button>
        </div>
      ) : (
        <>
          <p className="message message--warning card__intro">{t('changeRequired.intro')}</p>
          <PasswordChangeForm
            requirements={me.passwordRequirements}
            onChanged={() => {
              setChanged(true);
            }}
          />
        </>
      )}
    </section>
  );
}

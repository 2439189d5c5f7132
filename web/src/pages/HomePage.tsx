import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LastAccessBanner } from '../account/LastAccessBanner.tsx';
import { MembershipList } from '../account/MembershipList.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useMe } from '../session/SessionContext.tsx';
import { TwoFactorResetNotice } from '../twofactor/TwoFactorResetNotice.tsx';

export function HomePage(): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <div className="page">
      <PageHeading title={t('home.title', { name: me.user.displayName })} />
      <TwoFactorResetNotice />
      <LastAccessBanner me={me} />
      <MembershipList me={me} />
    </div>
  );
}

import type { ReactNode } from 'react';
import { ChangePasswordRequiredPage } from './ChangePasswordRequiredPage.tsx';
import { HomePage } from './HomePage.tsx';
import { ProfilePage } from './ProfilePage.tsx';
import { SecondFactorRequiredPage } from './SecondFactorRequiredPage.tsx';
import { SetPasswordPage } from './SetPasswordPage.tsx';
import { SignInHistoryPage } from './SignInHistoryPage.tsx';

const PAGES = {
  home: HomePage,
  profile: ProfilePage,
  signInHistory: SignInHistoryPage,
  setPassword: SetPasswordPage,
  changePasswordRequired: ChangePasswordRequiredPage,
  secondFactorRequired: SecondFactorRequiredPage,
};

export type AccountPage = keyof typeof PAGES;

/**
 * The pages of one's own account, including the restricted states after sign-in: one chunk, fetched the
 * first time one of them is shown. Being one component, it shows the others at once after that.
 */
export function AccountPages({ page }: { page: AccountPage }): ReactNode {
  const Page = PAGES[page];
  return <Page />;
}

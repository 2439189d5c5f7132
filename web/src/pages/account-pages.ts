// The pages of one's own account, including the restricted states after sign-in: fetched as one chunk the
// first time any of them is shown, so that moving between them needs no further download.
export { ChangePasswordRequiredPage } from './ChangePasswordRequiredPage.tsx';
export { HomePage } from './HomePage.tsx';
export { ProfilePage } from './ProfilePage.tsx';
export { SecondFactorRequiredPage } from './SecondFactorRequiredPage.tsx';
export { SetPasswordPage } from './SetPasswordPage.tsx';
export { SignInHistoryPage } from './SignInHistoryPage.tsx';

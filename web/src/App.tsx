import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AccessHoursWarning } from './admin/AccessHoursWarning.tsx';
import { adminPageAt } from './admin/pages.ts';
import { AuditPage } from './audit/AuditPage.tsx';
import { InstitutionProvider } from './clinical/InstitutionContext.tsx';
import { PatientPage, patientIdIn } from './clinical/PatientPage.tsx';
import { PatientsPage } from './clinical/PatientsPage.tsx';
import { AppHeader } from './components/AppHeader.tsx';
import { PageHeading } from './components/PageHeading.tsx';
import { ServerStatus } from './components/ServerStatus.tsx';
import { ExportPage } from './export/ExportPage.tsx';
import { ChangePasswordRequiredPage } from './pages/ChangePasswordRequiredPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { ProfilePage } from './pages/ProfilePage.tsx';
import { SecondFactorRequiredPage } from './pages/SecondFactorRequiredPage.tsx';
import { SetPasswordPage } from './pages/SetPasswordPage.tsx';
import { SignInHistoryPage } from './pages/SignInHistoryPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { RouterProvider, useRouter } from './router/Router.tsx';
import { SessionProvider, useSession } from './session/SessionContext.tsx';

/** The pages of a signed-in, unrestricted session, by path. */
const SIGNED_IN_PAGES: Readonly<Record<string, () => ReactNode>> = {
  '/': HomePage,
  '/profile': ProfilePage,
  '/profile/sign-ins': SignInHistoryPage,
  '/patients': PatientsPage,
  '/audit': AuditPage,
  '/export': ExportPage,
};

/** Which page the path shows, given who is signed in and what their session may do. */
function CurrentPage(): ReactNode {
  const { t } = useTranslation();
  const { path } = useRouter();
  const session = useSession();
  const { status } = session;

  // A set-password link works whoever is (or is not) signed in on this browser.
  if (path === '/set-password') return <SetPasswordPage />;

  switch (status.kind) {
    case 'loading':
      return (
        <p className="app-loading" role="status">
          {t('app.loading')}
        </p>
      );
    case 'unavailable':
      return (
        <section className="card" role="alert">
          <PageHeading title={t('app.unavailable.title')} />
          <p className="card__intro">{t('app.unavailable.body')}</p>
          <button type="button" className="button button--primary" onClick={() => void session.refresh()}>
            {t('app.unavailable.retry')}
          </button>
        </section>
      );
    case 'signedOut':
      // Any path asks for sign-in first and shows its page afterwards, so a bookmarked page still works.
      return <SignInPage />;
    case 'signedIn': {
      const state = status.me.sessionState;
      if (state === 'password_change_required') return <ChangePasswordRequiredPage />;
      if (state === 'second_factor_enrolment_required') return <SecondFactorRequiredPage />;
      const Page =
        SIGNED_IN_PAGES[path] ??
        adminPageAt(path) ??
        (patientIdIn(path) === undefined ? NotFoundPage : PatientPage);
      return <Page />;
    }
  }
}

export function App(): ReactNode {
  return (
    <RouterProvider>
      <SessionProvider>
        <InstitutionProvider>
          <div className="app">
            <AppHeader />
            <main className="app-main">
              <AccessHoursWarning />
              <CurrentPage />
            </main>
            <ServerStatus />
          </div>
        </InstitutionProvider>
      </SessionProvider>
    </RouterProvider>
  );
}

import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AccessHoursWarning } from './admin/AccessHoursWarning.tsx';
import { adminPageAt } from './admin/pages.ts';
import { InstitutionProvider } from './clinical/InstitutionContext.tsx';
import { patientIdIn } from './clinical/paths.ts';
import { AppHeader } from './components/AppHeader.tsx';
import { PageBoundary, PageLoading } from './components/PageBoundary.tsx';
import { PageHeading } from './components/PageHeading.tsx';
import { ServerStatus } from './components/ServerStatus.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { lazyFeaturePage, lazyPage } from './router/lazyPage.tsx';
import { RouterProvider, useRouter } from './router/Router.tsx';
import { SessionProvider, useSession } from './session/SessionContext.tsx';

// Only the sign-in page and the shell around it are in the first download. Every other page is fetched
// the first time it is shown, one chunk per area: moving within an area needs no further download.
const AccountPages = lazyPage(
  () => import('./pages/AccountPages.tsx'),
  (m) => m.AccountPages,
);
const ClinicalPages = lazyFeaturePage(
  () => import('./clinical/ClinicalPages.tsx'),
  (m) => m.ClinicalPages,
);
const AuditPage = lazyFeaturePage(
  () => import('./audit/AuditPage.tsx'),
  (m) => m.AuditPage,
);
const ExportPage = lazyFeaturePage(
  () => import('./export/ExportPage.tsx'),
  (m) => m.ExportPage,
);
const AdminPages = lazyFeaturePage(
  () => import('./admin/AdminPages.tsx'),
  (m) => m.AdminPages,
);

/** The pages of a signed-in, unrestricted session, by path. */
const SIGNED_IN_PAGES: Readonly<Record<string, ReactNode>> = {
  '/': <AccountPages page="home" />,
  '/profile': <AccountPages page="profile" />,
  '/profile/sign-ins': <AccountPages page="signInHistory" />,
  '/patients': <ClinicalPages page="patients" />,
  '/audit': <AuditPage />,
  '/export': <ExportPage />,
};

/** Which page the path shows, given who is signed in and what their session may do. */
function CurrentPage(): ReactNode {
  const { t } = useTranslation();
  const { path } = useRouter();
  const session = useSession();
  const { status } = session;

  // A set-password link works whoever is (or is not) signed in on this browser.
  if (path === '/set-password') return <AccountPages page="setPassword" />;

  switch (status.kind) {
    case 'loading':
      return <PageLoading />;
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
      if (state === 'password_change_required') return <AccountPages page="changePasswordRequired" />;
      if (state === 'second_factor_enrolment_required') return <AccountPages page="secondFactorRequired" />;
      const page = SIGNED_IN_PAGES[path];
      if (page !== undefined) return page;
      const adminPage = adminPageAt(path);
      if (adminPage !== undefined) return <AdminPages page={adminPage} />;
      return patientIdIn(path) === undefined ? <NotFoundPage /> : <ClinicalPages page="patient" />;
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
              <PageBoundary>
                <CurrentPage />
              </PageBoundary>
            </main>
            <ServerStatus />
          </div>
        </InstitutionProvider>
      </SessionProvider>
    </RouterProvider>
  );
}

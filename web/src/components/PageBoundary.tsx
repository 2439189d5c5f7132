import { Component, Suspense } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useRouter } from '../router/Router.tsx';
import { PageHeading } from './PageHeading.tsx';

/** What shows while the app or a page's code is on its way. */
export function PageLoading(): ReactNode {
  const { t } = useTranslation();
  return (
    <p className="app-loading" role="status">
      {t('app.loading')}
    </p>
  );
}

function PageFailed(): ReactNode {
  const { t } = useTranslation();
  return (
    <section className="card" role="alert">
      <PageHeading title={t('app.pageFailed.title')} />
      <p className="card__intro">{t('app.pageFailed.body')}</p>
      <button
        type="button"
        className="button button--primary"
        onClick={() => {
          window.location.reload();
        }}
      >
        {t('app.pageFailed.reload')}
      </button>
    </section>
  );
}

interface BoundaryProps {
  path: string;
  children: ReactNode;
}

interface BoundaryState {
  failed: boolean;
  /** The path the failure belongs to. */
  path: string;
}

/**
 * Catches a page that fails to load or to render. The usual cause is a deployment that replaced the
 * files this tab's older code still asks for: a reload fetches the new ones. Moving to another page
 * gives that page its chance. (React reports the error to the console itself.)
 */
class PageErrorBoundary extends Component<BoundaryProps, BoundaryState> {
  override state: BoundaryState = { failed: false, path: this.props.path };

  static getDerivedStateFromProps(props: BoundaryProps, state: BoundaryState): Partial<BoundaryState> | null {
    return props.path === state.path ? null : { failed: false, path: props.path };
  }

  static getDerivedStateFromError(): Partial<BoundaryState> {
    return { failed: true };
  }

  override render(): ReactNode {
    return this.state.failed ? <PageFailed /> : this.props.children;
  }
}

/** Where pages render: "Loading…" while a page's code is fetched, and a way to recover if it cannot be. */
export function PageBoundary({ children }: { children: ReactNode }): ReactNode {
  const { path } = useRouter();
  return (
    <PageErrorBoundary path={path}>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </PageErrorBoundary>
  );
}

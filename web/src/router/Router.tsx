// A small client-side router over the History API: the app has a handful of fixed paths, and the server
// answers every non-API path with index.html, so a reload or a shared link lands on the same page. (Paths
// under /assets/ or ending in a file extension are files, not pages: no route may look like one.)
import { createContext, useContext, useMemo, useSyncExternalStore } from 'react';
import type { MouseEvent, ReactNode } from 'react';

export interface Router {
  /** The current path, without a trailing slash (except `/` itself). */
  path: string;
  /** How many times the user has moved between pages since the app loaded; 0 on the first page. */
  navigations: number;
  navigate: (to: string, options?: { replace?: boolean }) => void;
}

const RouterContext = createContext<Router | null>(null);

function normalisePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

interface HistoryStore {
  subscribe: (onChange: () => void) => () => void;
  snapshot: () => string;
  navigate: (to: string, options?: { replace?: boolean }) => void;
}

function createHistoryStore(win: Window): HistoryStore {
  const listeners = new Set<() => void>();
  let navigations = 0;
  const notify = (): void => {
    navigations += 1;
    for (const listener of listeners) listener();
  };
  win.addEventListener('popstate', notify);
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      return () => {
        listeners.delete(onChange);
      };
    },
    // The path and the count change together; one string keeps the snapshot a stable primitive.
    snapshot: () => `${navigations} ${win.location.pathname}`,
    navigate(to, options) {
      if (options?.replace === true) win.history.replaceState(null, '', to);
      else win.history.pushState(null, '', to);
      win.scrollTo(0, 0);
      notify();
    },
  };
}

export function RouterProvider({ children, win = window }: { children: ReactNode; win?: Window }): ReactNode {
  const store = useMemo(() => createHistoryStore(win), [win]);
  const snapshot = useSyncExternalStore(store.subscribe, store.snapshot);
  const separator = snapshot.indexOf(' ');
  const navigations = Number(snapshot.slice(0, separator));
  const path = normalisePath(snapshot.slice(separator + 1));
  const router = useMemo(() => ({ path, navigations, navigate: store.navigate }), [path, navigations, store]);
  return <RouterContext value={router}>{children}</RouterContext>;
}

export function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter() needs a <RouterProvider> above it');
  return router;
}

interface LinkProps {
  to: string;
  className?: string;
  children: ReactNode;
}

/** An ordinary link that changes page without reloading; new-tab and modified clicks keep their meaning. */
export function Link({ to, className, children }: LinkProps): ReactNode {
  const { path, navigate } = useRouter();
  function follow(event: MouseEvent<HTMLAnchorElement>): void {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} className={className} aria-current={path === to ? 'page' : undefined} onClick={follow}>
      {children}
    </a>
  );
}

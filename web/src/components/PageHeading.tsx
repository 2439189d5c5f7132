import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useRouter } from '../router/Router.tsx';

/**
 * A page's one h1. It names the browser tab, and after the user moves to another page it takes the
 * focus, so screen readers announce the new page and keyboard users start from its top.
 */
export function PageHeading({ title, id }: { title: string; id?: string }): ReactNode {
  const { t } = useTranslation();
  const { navigations } = useRouter();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);

  useEffect(() => {
    // Not on the first page: the browser's own focus handling is right for a fresh load.
    if (navigations > 0) heading.current?.focus();
  }, [navigations]);

  return (
    <h1 id={id} ref={heading} tabIndex={-1}>
      {title}
    </h1>
  );
}

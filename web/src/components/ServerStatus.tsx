import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/ApiContext.tsx';

type Status = { kind: 'checking' } | { kind: 'up'; mode: string } | { kind: 'unreachable' };

export function ServerStatus(): ReactNode {
  const { t } = useTranslation();
  const api = useApi();
  const [status, setStatus] = useState<Status>({ kind: 'checking' });

  useEffect(() => {
    let current = true;
    api.getPublicConfig().then(
      (config) => {
        if (current) setStatus({ kind: 'up', mode: config.mode });
      },
      () => {
        if (current) setStatus({ kind: 'unreachable' });
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  function describeMode(mode: string): string {
    // Known modes are translated; anything newer is shown as the server names it.
    if (mode === 'development') return t('status.modes.development');
    if (mode === 'production') return t('status.modes.production');
    return mode;
  }

  return (
    <footer className="app-footer">
      <p className="server-status" role="status" aria-label={t('status.label')} data-state={status.kind}>
        {status.kind === 'checking' && t('status.checking')}
        {status.kind === 'up' && t('status.mode', { mode: describeMode(status.mode) })}
        {status.kind === 'unreachable' && t('status.unreachable')}
      </p>
    </footer>
  );
}

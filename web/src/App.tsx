import type { ReactNode } from 'react';
import { AppHeader } from './components/AppHeader.tsx';
import { ServerStatus } from './components/ServerStatus.tsx';
import { SignInPage } from './pages/SignInPage.tsx';

export function App(): ReactNode {
  return (
    <div className="app">
      <AppHeader />
      <main className="app-main">
        <SignInPage />
      </main>
      <ServerStatus />
    </div>
  );
}

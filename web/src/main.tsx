import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { ApiProvider } from './api/ApiContext.tsx';
import { createApiClient } from './api/client.ts';
import { createI18n, pickLanguage } from './i18n/index.ts';
import { App } from './App.tsx';
import './styles.css';

const languageStorageKey = 'ward.language';

function readSavedLanguage(): string | null {
  try {
    return localStorage.getItem(languageStorageKey);
  } catch {
    // Storage can be disabled by policy; the browser's languages still apply.
    return null;
  }
}

function saveLanguage(language: string): void {
  try {
    localStorage.setItem(languageStorageKey, language);
  } catch {
    // Not remembering the choice is acceptable.
  }
}

const i18n = createI18n(pickLanguage([readSavedLanguage(), ...navigator.languages]));

// The document's language and title follow the chosen language, for screen readers and browser tabs.
function reflectLanguage(): void {
  document.documentElement.lang = i18n.language;
  document.title = i18n.t('app.documentTitle');
}
reflectLanguage();
i18n.on('languageChanged', (language: string) => {
  saveLanguage(language);
  reflectLanguage();
});

const api = createApiClient({ language: () => i18n.language });

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <ApiProvider client={api}>
        <App />
      </ApiProvider>
    </I18nextProvider>
  </StrictMode>,
);

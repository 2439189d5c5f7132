// Google reCAPTCHA v2 ("I'm not a robot" checkbox), loaded only on deployments that turn it on: the server
// then adds Google's origins to script-src and frame-src, and to nothing else.

export interface RecaptchaRenderOptions {
  sitekey: string;
  size?: 'normal' | 'compact';
  callback: (token: string) => void;
  'expired-callback': () => void;
  'error-callback': () => void;
}

/** The part of Google's `grecaptcha` object the sign-in page uses. */
export interface Recaptcha {
  ready(callback: () => void): void;
  render(container: HTMLElement, options: RecaptchaRenderOptions): number;
  reset(widgetId?: number): void;
}

const SCRIPT_ID = 'ward-recaptcha-api';
const SCRIPT_URL = 'https://www.google.com/recaptcha/api.js';

// One script per page, however many times the sign-in page is shown.
const loading = new WeakMap<Document, Promise<Recaptcha>>();

function grecaptchaOf(doc: Document): Recaptcha | undefined {
  return (doc.defaultView as (Window & { grecaptcha?: Recaptcha }) | null)?.grecaptcha;
}

/** Adds Google's script to the page (once) and resolves when its widget can be rendered. */
export function loadRecaptcha(doc: Document, language: string): Promise<Recaptcha> {
  const pending = loading.get(doc);
  if (pending) return pending;
  const promise = new Promise<Recaptcha>((resolve, reject) => {
    const script = doc.createElement('script');
    script.id = SCRIPT_ID;
    // Explicit rendering: the widget goes where and when the page says, not wherever Google finds a class.
    script.src = `${SCRIPT_URL}?render=explicit&hl=${encodeURIComponent(language)}`;
    script.async = true;
    script.addEventListener('load', () => {
      const grecaptcha = grecaptchaOf(doc);
      if (!grecaptcha) {
        reject(new Error('The reCAPTCHA script loaded but defined no grecaptcha'));
        return;
      }
      grecaptcha.ready(() => {
        resolve(grecaptcha);
      });
    });
    script.addEventListener('error', () => {
      // A later visit to the page may try again.
      loading.delete(doc);
      script.remove();
      reject(new Error('The reCAPTCHA script could not be loaded'));
    });
    doc.head.append(script);
  });
  loading.set(doc, promise);
  return promise;
}

import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { loadRecaptcha } from './recaptcha.ts';
import type { Recaptcha } from './recaptcha.ts';

// Google's normal widget is 304 px wide; on a phone-sized screen the compact one keeps the page from scrolling.
const COMPACT_QUERY = '(max-width: 25rem)';

interface Props {
  siteKey: string;
  /** Changes after every use of a token: Google accepts each one once, so the box is ticked again. */
  round: number;
  onToken: (token: string | undefined) => void;
}

export function RecaptchaCaptcha({ siteKey, round, onToken }: Props): ReactNode {
  const { t, i18n } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const widget = useRef<{ grecaptcha: Recaptcha; id: number } | null>(null);
  const latestOnToken = useRef(onToken);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    latestOnToken.current = onToken;
  }, [onToken]);

  useEffect(() => {
    const host = container.current;
    if (!host) return;
    let current = true;
    // A fresh element per render: Google refuses to render twice into one.
    const slot = document.createElement('div');
    host.append(slot);
    loadRecaptcha(document, i18n.resolvedLanguage ?? 'en').then(
      (grecaptcha) => {
        if (!current) return;
        const id = grecaptcha.render(slot, {
          sitekey: siteKey,
          size: window.matchMedia(COMPACT_QUERY).matches ? 'compact' : 'normal',
          callback: (token) => {
            latestOnToken.current(token);
          },
          'expired-callback': () => {
            latestOnToken.current(undefined);
          },
          'error-callback': () => {
            latestOnToken.current(undefined);
          },
        });
        widget.current = { grecaptcha, id };
      },
      () => {
        if (current) setFailed(true);
      },
    );
    return () => {
      current = false;
      widget.current = null;
      slot.remove();
    };
    // The widget's language is fixed when Google's script loads; a later change keeps the same widget.
  }, [siteKey]);

  const firstRound = useRef(round);
  useEffect(() => {
    if (round === firstRound.current) return;
    const current = widget.current;
    if (current) current.grecaptcha.reset(current.id);
    latestOnToken.current(undefined);
  }, [round]);

  return (
    <div className="captcha captcha--recaptcha">
      <div ref={container} className="captcha__widget" aria-label={t('captcha.label')} role="group" />
      {failed && (
        <p className="message message--error" role="alert">
          {t('captcha.loadFailed')}
        </p>
      )}
    </div>
  );
}

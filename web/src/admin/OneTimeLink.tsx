import { useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A one-time set-password link to hand to one person. The administrator passes the link on and never
 * chooses or sees the password: the person chooses it when they open the link.
 */
export function OneTimeLink({
  title,
  link,
  person,
  validHours,
}: {
  title: string;
  link: string;
  /** Who the link is for, by name. */
  person: string;
  /** How long the link works, when the server said. */
  validHours?: number;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(link);
      setCopy('copied');
    } catch {
      // Clipboard access can be refused by the browser or a policy; the link is on screen to copy by hand.
      setCopy('failed');
    }
  }

  return (
    <section className="one-time-link message message--success" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <label htmlFor={`${id}-link`}>{t('admin.link.label', { person })}</label>
      <input
        id={`${id}-link`}
        className="one-time-link__value"
        type="text"
        readOnly
        value={link}
        onFocus={(event) => {
          event.currentTarget.select();
        }}
      />
      <div className="one-time-link__copy">
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => void copyLink()}
        >
          {t('admin.link.copy')}
        </button>
        <span role="status">
          {copy === 'copied' && t('admin.link.copied')}
          {copy === 'failed' && t('admin.link.copyFailed')}
        </span>
      </div>
      <p>
        {validHours === undefined
          ? t('admin.link.handOver', { person })
          : t('admin.link.handOverHours', { person, count: validHours })}
      </p>
      <p>{t('admin.link.neverPassword', { person })}</p>
    </section>
  );
}

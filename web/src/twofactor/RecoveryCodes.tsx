import { useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { recoveryCodesFile } from './codes.ts';

interface Props {
  codes: readonly string[];
  username: string;
  /** "I have saved them". */
  onSaved: () => void;
  savedLabel?: string;
}

/** The recovery codes, shown once right after enrolment, with a way to keep them as a text file. */
export function RecoveryCodes({ codes, username, onSaved, savedLabel }: Props): ReactNode {
  const { t } = useTranslation();
  const id = useId();

  // Made in the browser from what is on screen: the codes are never fetched from the server again.
  const [fileUrl, setFileUrl] = useState<string | null>(null);
  useEffect(() => {
    const text = recoveryCodesFile({
      heading: t('twoFactor.enrol.fileHeading', { username }),
      advice: t('twoFactor.enrol.fileAdvice'),
      codes,
    });
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    setFileUrl(url);
    return () => {
      URL.revokeObjectURL(url);
    };
  }, [codes, username, t]);

  return (
    <div className="recovery-codes">
      <p className="message message--success" role="status">
        {t('twoFactor.enrol.done')}
      </p>
      <h3 id={`${id}-title`}>{t('twoFactor.enrol.codesTitle')}</h3>
      <p className="message message--warning">{t('twoFactor.enrol.codesIntro')}</p>
      <ol className="recovery-codes__list" aria-labelledby={`${id}-title`}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="button-row">
        {fileUrl !== null && (
          <a className="button button--secondary" href={fileUrl} download={t('twoFactor.enrol.fileName')}>
            {t('twoFactor.enrol.download')}
          </a>
        )}
        <button type="button" className="button button--primary" onClick={onSaved}>
          {savedLabel ?? t('twoFactor.enrol.saved')}
        </button>
      </div>
    </div>
  );
}

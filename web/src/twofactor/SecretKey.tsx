import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TwoFactorEnrolment } from '../api/types.ts';
import { compactSecret, groupSecret, svgDataUrl } from './codes.ts';

type Copy = 'idle' | 'copied' | 'failed';

/** The new secret two ways, as the authenticator apps read it: a QR code to scan, or text to type. */
export function SecretKey({ enrolment }: { enrolment: TwoFactorEnrolment }): ReactNode {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<Copy>('idle');
  const qr = useMemo(() => svgDataUrl(enrolment.qrSvg), [enrolment.qrSvg]);

  async function copySecret(): Promise<void> {
    try {
      await navigator.clipboard.writeText(compactSecret(enrolment.secret));
      setCopy('copied');
    } catch {
      // Clipboard access can be refused by the browser or a policy; the code is on screen to copy by hand.
      setCopy('failed');
    }
  }

  return (
    <div className="secret-key">
      <p>{t('twoFactor.enrol.scanIntro')}</p>
      <img className="secret-key__qr" src={qr} alt={t('twoFactor.enrol.qrAlt')} width="200" height="200" />
      <p>{t('twoFactor.enrol.secretIntro')}</p>
      <p className="secret-key__text">
        <code className="two-factor-secret">
          {groupSecret(enrolment.secret).map((group, index) => (
            <span key={index} className="secret-key__group">
              {group}
            </span>
          ))}
        </code>
      </p>
      <div className="secret-key__copy">
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => void copySecret()}
        >
          {t('twoFactor.enrol.copy')}
        </button>
        <span role="status" className={copy === 'failed' ? 'field__problem' : 'muted'}>
          {copy === 'copied' && t('twoFactor.enrol.copied')}
          {copy === 'failed' && t('twoFactor.enrol.copyFailed')}
        </span>
      </div>
      <p className="muted">{t('twoFactor.enrol.appNote')}</p>
    </div>
  );
}

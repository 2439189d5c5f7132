import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PasswordReason } from '../api/types.ts';
import { reasonText } from './reason-text.ts';

/** Why a password cannot be used, one reason per line. */
export function PasswordReasons({
  reasons,
  minLength,
  id,
}: {
  reasons: readonly PasswordReason[];
  minLength?: number;
  id?: string;
}): ReactNode {
  const { t } = useTranslation();
  // The same code can come twice (two context words); each text is shown once.
  const texts = [...new Set(reasons.map((reason) => reasonText(reason, t, minLength)))];
  return (
    <ul id={id} className="password-reasons" aria-label={t('password.reasonsLabel')}>
      {texts.map((text) => (
        <li key={text}>{text}</li>
      ))}
    </ul>
  );
}

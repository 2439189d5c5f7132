import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PasswordRequirements as Requirements } from '../api/types.ts';

/** What the user's security level asks of a new password, shown before they start typing. */
export function PasswordRequirements({
  requirements,
  id,
}: {
  requirements: Requirements;
  id?: string;
}): ReactNode {
  const { t } = useTranslation();
  const { minLength, maxLength, composition, historyCount, maxAgeDays } = requirements;
  return (
    <div id={id} className="password-requirements">
      <p className="password-requirements__title">{t('password.requirements.title')}</p>
      <ul>
        <li>{t('password.requirements.minLength', { count: minLength })}</li>
        <li>{t('password.requirements.maxLength', { count: maxLength })}</li>
        {composition && <li>{t('password.requirements.composition')}</li>}
        <li>
          {historyCount > 1
            ? t('password.requirements.history', { count: historyCount })
            : t('password.requirements.notCurrent')}
        </li>
        <li>{t('password.requirements.notCommon')}</li>
      </ul>
      {maxAgeDays > 0 && <p>{t('password.requirements.expires', { count: maxAgeDays })}</p>}
      <p className="password-requirements__hint">{t('password.requirements.hint')}</p>
    </div>
  );
}

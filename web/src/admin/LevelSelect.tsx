import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { securityLevelLabel } from '../account/labels.ts';
import type { SecurityLevel } from './types.ts';

/** The institution's security levels, by name, with what each one demands. */
export function LevelSelect({
  id,
  levels,
  value,
  onChange,
}: {
  id: string;
  levels: readonly SecurityLevel[];
  value: string;
  onChange: (level: string) => void;
}): ReactNode {
  const { t } = useTranslation();
  const chosen = levels.find((level) => level.name === value);
  return (
    <div className="field">
      <label htmlFor={id}>{t('admin.fields.level')}</label>
      <select
        id={id}
        value={value}
        aria-describedby={chosen ? `${id}-summary` : undefined}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      >
        {levels.map((level) => (
          <option key={level.id} value={level.name}>
            {securityLevelLabel(level.name, t)}
          </option>
        ))}
      </select>
      {chosen && (
        <p id={`${id}-summary`} className="field__hint">
          {t('admin.levels.summary', {
            minLength: chosen.minLength,
            idle: chosen.idleTimeoutMinutes,
          })}{' '}
          {chosen.requireSecondFactor ? t('admin.levels.summarySecondFactor') : ''}
        </p>
      )}
    </div>
  );
}

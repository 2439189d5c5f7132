import { useMemo } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** Every IANA time zone the browser knows, plus the current value should the browser not list it (UTC). */
function zonesWith(current: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes(current) || current === '' ? zones : [current, ...zones];
}

export function TimeZoneSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (timeZone: string) => void;
}): ReactNode {
  const { t } = useTranslation();
  const zones = useMemo(() => zonesWith(value), [value]);
  return (
    <div className="field">
      <label htmlFor={id}>{t('admin.fields.timeZone')}</label>
      <select
        id={id}
        value={value}
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      >
        {zones.map((zone) => (
          <option key={zone} value={zone}>
            {zone.replaceAll('_', ' ')}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="field__hint">
        {t('admin.fields.timeZoneHint')}
      </p>
    </div>
  );
}

/** The browser's own time zone: a good first guess for a new institution. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { securityLevelLabel } from '../account/labels.ts';
import type { AdminApi } from './api.ts';
import { isVersionConflict } from './labels.ts';
import { NumberField } from './NumberField.tsx';
import { SaveButton } from './SaveButton.tsx';
import type { SaveOutcome, SecurityLevel, SecurityLevelValues } from './types.ts';
import { useSaving } from './useSaving.ts';

// The bounds the server and the database enforce.
const BOUNDS = {
  minLength: [8, 64],
  historyCount: [0, 24],
  maxAgeDays: [0, 3650],
  idleTimeoutMinutes: [1, 1440],
  absoluteTimeoutMinutes: [5, 10080],
} as const satisfies Partial<Record<keyof SecurityLevelValues, readonly [number, number]>>;

type NumericKey = keyof typeof BOUNDS;
const NUMERIC_KEYS = Object.keys(BOUNDS) as NumericKey[];

function valuesOf(level: SecurityLevel): SecurityLevelValues {
  const {
    minLength,
    historyCount,
    maxAgeDays,
    requireSecondFactor,
    idleTimeoutMinutes,
    absoluteTimeoutMinutes,
    compositionRequired,
  } = level;
  return {
    minLength,
    historyCount,
    maxAgeDays,
    requireSecondFactor,
    idleTimeoutMinutes,
    absoluteTimeoutMinutes,
    compositionRequired,
  };
}

function inBounds(values: SecurityLevelValues): boolean {
  return NUMERIC_KEYS.every((key) => {
    const [min, max] = BOUNDS[key];
    const value = values[key];
    return Number.isInteger(value) && value >= min && value <= max;
  });
}

/** One security level's thresholds, saved on their own against the version read. */
export function SecurityLevelForm({
  api,
  level,
  onSaved,
  onConflict,
}: {
  api: AdminApi;
  level: SecurityLevel;
  onSaved: (level: SecurityLevel) => void;
  onConflict: () => Promise<void>;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [values, setValues] = useState<SecurityLevelValues>(() => valuesOf(level));
  const saving = useSaving();
  const name = securityLevelLabel(level.name, t);

  function set<K extends keyof SecurityLevelValues>(key: K, value: SecurityLevelValues[K]): void {
    setValues((current) => ({ ...current, [key]: value }));
    saving.edited();
  }

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!inBounds(values)) return;
    void saving.run(async (): Promise<SaveOutcome> => {
      try {
        onSaved(await api.updateSecurityLevel(level.id, level.version, values));
        return 'saved';
      } catch (error) {
        if (!isVersionConflict(error)) throw error;
        await onConflict();
        return 'conflict';
      }
    });
  }

  return (
    <form className="form security-level" aria-labelledby={`${id}-title`} noValidate onSubmit={submit}>
      <h3 id={`${id}-title`}>{name}</h3>
      <div className="security-level__grid">
        {NUMERIC_KEYS.map((key) => {
          const [min, max] = BOUNDS[key];
          return (
            <NumberField
              key={key}
              id={`${id}-${key}`}
              label={t(`admin.levels.fields.${key}`)}
              hint={t(`admin.levels.hints.${key}`, { min, max })}
              min={min}
              max={max}
              value={values[key]}
              onChange={(value) => {
                set(key, value);
              }}
            />
          );
        })}
      </div>
      <label className="choice">
        <input
          type="checkbox"
          checked={values.requireSecondFactor}
          onChange={(event) => {
            set('requireSecondFactor', event.target.checked);
          }}
        />
        {t('admin.levels.fields.requireSecondFactor')}
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={values.compositionRequired}
          onChange={(event) => {
            set('compositionRequired', event.target.checked);
          }}
        />
        {t('admin.levels.fields.compositionRequired')}
      </label>
      <SaveButton label={t('admin.levels.save', { level: name })} state={saving.state} />
    </form>
  );
}

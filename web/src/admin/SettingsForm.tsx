import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminApi } from './api.ts';
import { isVersionConflict } from './labels.ts';
import { NumberField } from './NumberField.tsx';
import { SaveButton } from './SaveButton.tsx';
import { TimeZoneSelect } from './TimeZoneSelect.tsx';
import type { InstitutionSettings, InstitutionSettingsValues, SaveOutcome } from './types.ts';
import { useSaving } from './useSaving.ts';

function valuesOf(settings: InstitutionSettings): InstitutionSettingsValues {
  const { name, timeZone, twoFactorEnabled, justifiedAccessHours, nursesWriteNotes, careRelationshipDays } =
    settings;
  return { name, timeZone, twoFactorEnabled, justifiedAccessHours, nursesWriteNotes, careRelationshipDays };
}

/** The institution's own settings: name, time zone, two-factor, justified access, care relationship, notes. */
export function SettingsForm({
  api,
  settings,
  onSaved,
  onConflict,
}: {
  api: AdminApi;
  settings: InstitutionSettings;
  onSaved: (settings: InstitutionSettings) => void;
  onConflict: () => Promise<void>;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [values, setValues] = useState<InstitutionSettingsValues>(() => valuesOf(settings));
  const saving = useSaving();

  function set<K extends keyof InstitutionSettingsValues>(key: K, value: InstitutionSettingsValues[K]): void {
    setValues((current) => ({ ...current, [key]: value }));
    saving.edited();
  }

  const valid =
    values.name.trim() !== '' &&
    Number.isInteger(values.justifiedAccessHours) &&
    values.justifiedAccessHours >= 1 &&
    values.justifiedAccessHours <= 168 &&
    Number.isInteger(values.careRelationshipDays) &&
    values.careRelationshipDays >= 1 &&
    values.careRelationshipDays <= 365;

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!valid) return;
    void saving.run(async (): Promise<SaveOutcome> => {
      try {
        onSaved(await api.updateSettings(settings.version, { ...values, name: values.name.trim() }));
        return 'saved';
      } catch (error) {
        if (!isVersionConflict(error)) throw error;
        await onConflict();
        return 'conflict';
      }
    });
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.settings.formTitle')}</h2>
      <form className="form" aria-labelledby={`${id}-title`} noValidate onSubmit={submit}>
        <div className="admin-grid">
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('admin.settings.name')}</label>
            <input
              id={`${id}-name`}
              type="text"
              maxLength={200}
              required
              value={values.name}
              aria-invalid={values.name.trim() === ''}
              onChange={(event) => {
                set('name', event.target.value);
              }}
            />
          </div>
          <TimeZoneSelect
            id={`${id}-zone`}
            value={values.timeZone}
            onChange={(zone) => {
              set('timeZone', zone);
            }}
          />
          <NumberField
            id={`${id}-justified`}
            label={t('admin.settings.justifiedAccessHours')}
            hint={t('admin.settings.justifiedAccessHint')}
            min={1}
            max={168}
            value={values.justifiedAccessHours}
            onChange={(value) => {
              set('justifiedAccessHours', value);
            }}
          />
          <NumberField
            id={`${id}-care`}
            label={t('admin.settings.careRelationshipDays')}
            hint={t('admin.settings.careRelationshipHint')}
            min={1}
            max={365}
            value={values.careRelationshipDays}
            onChange={(value) => {
              set('careRelationshipDays', value);
            }}
          />
        </div>
        <label className="choice">
          <input
            type="checkbox"
            checked={values.twoFactorEnabled}
            onChange={(event) => {
              set('twoFactorEnabled', event.target.checked);
            }}
          />
          {t('admin.settings.twoFactorEnabled')}
        </label>
        <p className="field__hint">{t('admin.settings.twoFactorHint')}</p>
        <label className="choice">
          <input
            type="checkbox"
            checked={values.nursesWriteNotes}
            onChange={(event) => {
              set('nursesWriteNotes', event.target.checked);
            }}
          />
          {t('admin.settings.nursesWriteNotes')}
        </label>
        <SaveButton label={t('admin.settings.save')} state={saving.state} />
      </form>
    </section>
  );
}

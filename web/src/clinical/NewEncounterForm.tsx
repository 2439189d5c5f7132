import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { instantFromLocalInput } from './format.ts';
import { encounterTypeLabel } from './labels.ts';
import { useOpenRecord, useRecordChange } from './RecordContext.tsx';
import { ENCOUNTER_TYPES } from './types.ts';
import type { EncounterType } from './types.ts';

export function NewEncounterForm({ onDone }: { onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const record = useOpenRecord();
  const change = useRecordChange();
  const [type, setType] = useState<EncounterType>('outpatient');
  const [reason, setReason] = useState('');
  const [when, setWhen] = useState('');

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const occurredAt = instantFromLocalInput(when);
    const saved = await change.run(() =>
      record.api.createEncounter(record.patientId, {
        type,
        reason: reason.trim(),
        ...(occurredAt === undefined ? {} : { occurredAt }),
      }),
    );
    if (saved) onDone();
  }

  return (
    <form
      className="form inline-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => void submit(event)}
    >
      <h3 id={`${id}-title`}>{t('clinical.record.newEncounter')}</h3>
      <div className="field">
        <label htmlFor={`${id}-type`}>{t('clinical.record.encounterType')}</label>
        <select
          id={`${id}-type`}
          value={type}
          onChange={(event) => {
            setType(event.target.value as EncounterType);
          }}
        >
          {ENCOUNTER_TYPES.map((value) => (
            <option key={value} value={value}>
              {encounterTypeLabel(value, t)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('clinical.record.encounterReason')}</label>
        <input
          id={`${id}-reason`}
          value={reason}
          required
          maxLength={500}
          autoComplete="off"
          onChange={(event) => {
            setReason(event.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-when`}>{t('clinical.record.encounterTime')}</label>
        <input
          id={`${id}-when`}
          type="datetime-local"
          value={when}
          aria-describedby={`${id}-when-hint`}
          onChange={(event) => {
            setWhen(event.target.value);
          }}
        />
        <p id={`${id}-when-hint`} className="field__hint">
          {t('clinical.record.encounterTimeHint')}
        </p>
      </div>
      {change.problem !== null && (
        <p className="message message--error" role="alert">
          {change.problem}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={change.busy}>
          {t('clinical.record.createEncounter')}
        </button>
        <button type="button" className="link-button" disabled={change.busy} onClick={onDone}>
          {t('clinical.common.cancel')}
        </button>
      </div>
    </form>
  );
}

import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { severityLabel } from './labels.ts';
import { useOpenRecord, useRecordChange } from './RecordContext.tsx';
import { ALLERGY_SEVERITIES } from './types.ts';
import type { Allergy, AllergySeverity } from './types.ts';

function AllergyForm({ onDone }: { onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const record = useOpenRecord();
  const change = useRecordChange();
  const [substance, setSubstance] = useState('');
  const [reaction, setReaction] = useState('');
  const [severity, setSeverity] = useState<AllergySeverity>('unknown');

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const saved = await change.run(() =>
      record.api.addAllergy(record.patientId, {
        substance: substance.trim(),
        reaction: reaction.trim(),
        severity,
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
      <h3 id={`${id}-title`}>{t('clinical.record.addAllergy')}</h3>
      <div className="field">
        <label htmlFor={`${id}-substance`}>{t('clinical.record.substance')}</label>
        <input
          id={`${id}-substance`}
          value={substance}
          required
          maxLength={200}
          autoComplete="off"
          onChange={(event) => {
            setSubstance(event.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-reaction`}>{t('clinical.record.reaction')}</label>
        <input
          id={`${id}-reaction`}
          value={reaction}
          maxLength={500}
          autoComplete="off"
          onChange={(event) => {
            setReaction(event.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-severity`}>{t('clinical.record.severity')}</label>
        <select
          id={`${id}-severity`}
          value={severity}
          onChange={(event) => {
            setSeverity(event.target.value as AllergySeverity);
          }}
        >
          {ALLERGY_SEVERITIES.map((value) => (
            <option key={value} value={value}>
              {severityLabel(value, t)}
            </option>
          ))}
        </select>
      </div>
      {change.problem !== null && (
        <p className="message message--error" role="alert">
          {change.problem}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={change.busy}>
          {t('clinical.record.addAllergy')}
        </button>
        <button type="button" className="link-button" disabled={change.busy} onClick={onDone}>
          {t('clinical.common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Allergies first in the record: what must not be given to this patient. */
export function AllergiesCard({ allergies }: { allergies: readonly Allergy[] }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const record = useOpenRecord();
  const [adding, setAdding] = useState(false);
  return (
    <section className="record-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('clinical.record.allergies')}</h2>
      {allergies.length === 0 ? (
        <p className="muted">{t('clinical.record.noAllergies')}</p>
      ) : (
        <ul className="allergies">
          {allergies.map((allergy) => (
            <li key={allergy.id} className="allergy" data-severity={allergy.severity}>
              <strong className="allergy__substance">{allergy.substance}</strong>
              <span className={`badge badge--severity-${allergy.severity}`}>
                {severityLabel(allergy.severity, t)}
              </span>
              {allergy.reaction !== '' && <span className="allergy__reaction">{allergy.reaction}</span>}
            </li>
          ))}
        </ul>
      )}
      {record.can.writeAllergies &&
        (adding ? (
          <AllergyForm
            onDone={() => {
              setAdding(false);
            }}
          />
        ) : (
          <p>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => {
                setAdding(true);
              }}
            >
              {t('clinical.record.addAllergy')}
            </button>
          </p>
        ))}
    </section>
  );
}

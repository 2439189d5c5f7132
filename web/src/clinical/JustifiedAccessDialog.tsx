import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClinicalApi } from './api.ts';
import { describeClinicalError, reasonLabel } from './labels.ts';
import { Modal } from './Modal.tsx';
import { JUSTIFICATION_REASONS } from './types.ts';
import type { JustificationReason } from './types.ts';

/**
 * "Break the glass": a clinician with no care relationship states why they open a patient's record.
 * The reason is recorded, flagged for the auditors' review, and opens the record for a limited time.
 */
export function JustifiedAccessDialog({
  api,
  patientId,
  onJustified,
  onDismiss,
}: {
  api: ClinicalApi;
  patientId: string;
  onJustified: (expiresAt: string) => void;
  onDismiss: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [reason, setReason] = useState<JustificationReason | null>(null);
  const [detail, setDetail] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (reason === null) {
      setProblem(t('clinical.access.chooseReason'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const { expiresAt } = await api.justifyAccess(patientId, reason, detail);
      onJustified(expiresAt);
    } catch (error) {
      setProblem(describeClinicalError(error, t));
      setBusy(false);
    }
  }

  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-explanation`} onDismiss={onDismiss}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <h2 id={`${id}-title`}>{t('clinical.access.title')}</h2>
        <div id={`${id}-explanation`} className="modal__explanation">
          <p>{t('clinical.access.explanation')}</p>
          <p>{t('clinical.access.recorded')}</p>
        </div>
        <fieldset className="choice-group" aria-describedby={problem === null ? undefined : `${id}-problem`}>
          <legend>{t('clinical.access.reason')}</legend>
          {JUSTIFICATION_REASONS.map((value) => (
            <label key={value} className="choice">
              <input
                type="radio"
                name={`${id}-reason`}
                value={value}
                checked={reason === value}
                onChange={() => {
                  setReason(value);
                }}
              />
              {reasonLabel(value, t)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-detail`}>{t('clinical.access.detail')}</label>
          <textarea
            id={`${id}-detail`}
            rows={3}
            maxLength={1000}
            value={detail}
            onChange={(event) => {
              setDetail(event.target.value);
            }}
          />
        </div>
        {problem !== null && (
          <p id={`${id}-problem`} className="message message--error" role="alert">
            {problem}
          </p>
        )}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} aria-busy={busy}>
            {busy ? t('clinical.access.submitting') : t('clinical.access.submit')}
          </button>
          <button type="button" className="button button--secondary" disabled={busy} onClick={onDismiss}>
            {t('clinical.common.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SoapText } from './types.ts';

const SECTIONS: readonly (keyof SoapText)[] = ['subjective', 'objective', 'assessment', 'plan'];
export const EMPTY_NOTE: SoapText = { subjective: '', objective: '', assessment: '', plan: '' };

/** Only the four sections: what the API takes for a note's text, whatever else the object carries. */
export function soapOf(note: SoapText): SoapText {
  return {
    subjective: note.subjective,
    objective: note.objective,
    assessment: note.assessment,
    plan: note.plan,
  };
}

/** A note in SOAP sections, saved as a draft or signed (signed notes never change again). */
export function NoteForm({
  title,
  initial = EMPTY_NOTE,
  busy,
  problem,
  onSave,
  onCancel,
}: {
  title: string;
  initial?: SoapText;
  busy: boolean;
  problem: string | null;
  onSave: (note: SoapText, sign: boolean) => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [note, setNote] = useState<SoapText>(() => soapOf(initial));
  const [empty, setEmpty] = useState(false);

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    // Which button was pressed decides whether the note is signed.
    const submitter = event.submitter;
    const sign = submitter instanceof HTMLButtonElement && submitter.value === 'sign';
    if (SECTIONS.every((section) => note[section].trim() === '')) {
      setEmpty(true);
      return;
    }
    setEmpty(false);
    onSave(note, sign);
  }

  return (
    <form className="form note-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h4 id={`${id}-title`}>{title}</h4>
      {SECTIONS.map((section) => (
        <div className="field" key={section}>
          <label htmlFor={`${id}-${section}`}>{t(`clinical.record.soap.${section}`)}</label>
          <textarea
            id={`${id}-${section}`}
            rows={3}
            maxLength={20_000}
            value={note[section]}
            onChange={(event) => {
              setNote({ ...note, [section]: event.target.value });
            }}
          />
        </div>
      ))}
      {(empty || problem !== null) && (
        <p className="message message--error" role="alert">
          {empty ? t('clinical.record.emptyNote') : problem}
        </p>
      )}
      <p className="field__hint">{t('clinical.record.signHint')}</p>
      <div className="form__actions">
        <button
          type="submit"
          name="action"
          value="draft"
          className="button button--secondary"
          disabled={busy}
        >
          {t('clinical.record.saveDraft')}
        </button>
        <button type="submit" name="action" value="sign" className="button button--primary" disabled={busy}>
          {t('clinical.record.saveAndSign')}
        </button>
        <button type="button" className="link-button" disabled={busy} onClick={onCancel}>
          {t('clinical.common.cancel')}
        </button>
      </div>
    </form>
  );
}

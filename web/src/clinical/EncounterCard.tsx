import { useId, useState } from 'react';
import type { SubmitEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format/useFormat.ts';
import { encounterTypeLabel } from './labels.ts';
import { NoteCard } from './NoteCard.tsx';
import { NoteForm } from './NoteForm.tsx';
import { useOpenRecord, useRecordChange } from './RecordContext.tsx';
import type { Encounter, Note, SoapText } from './types.ts';

function DiagnosisForm({ encounter, onDone }: { encounter: Encounter; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const record = useOpenRecord();
  const change = useRecordChange();
  const [code, setCode] = useState('');
  const [description, setDescription] = useState('');

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const saved = await change.run(() =>
      record.api.addDiagnosis(record.patientId, encounter.id, code.trim(), description.trim()),
    );
    if (saved) onDone();
  }

  return (
    <form
      className="form inline-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => void submit(event)}
    >
      <h4 id={`${id}-title`}>{t('clinical.record.addDiagnosis')}</h4>
      <div className="field">
        <label htmlFor={`${id}-code`}>{t('clinical.record.diagnosisCode')}</label>
        <input
          id={`${id}-code`}
          value={code}
          required
          maxLength={20}
          autoComplete="off"
          onChange={(event) => {
            setCode(event.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>{t('clinical.record.diagnosisDescription')}</label>
        <input
          id={`${id}-description`}
          value={description}
          required
          maxLength={500}
          autoComplete="off"
          onChange={(event) => {
            setDescription(event.target.value);
          }}
        />
      </div>
      {change.problem !== null && (
        <p className="message message--error" role="alert">
          {change.problem}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={change.busy}>
          {t('clinical.record.addDiagnosis')}
        </button>
        <button type="button" className="link-button" disabled={change.busy} onClick={onDone}>
          {t('clinical.common.cancel')}
        </button>
      </div>
    </form>
  );
}

type Adding = 'none' | 'note' | 'diagnosis';

/** One encounter: when, what kind, why and by whom; its diagnoses and its notes. */
export function EncounterCard({
  encounter,
  notesById,
  amendmentsOf,
}: {
  encounter: Encounter;
  notesById: ReadonlyMap<string, Note>;
  amendmentsOf: ReadonlyMap<string, Note[]>;
}): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const record = useOpenRecord();
  const change = useRecordChange();
  const [adding, setAdding] = useState<Adding>('none');
  const title = t('clinical.record.encounterTitle', {
    type: encounterTypeLabel(encounter.type, t),
    time: format.dateTime(encounter.occurredAt),
  });

  async function addNote(note: SoapText, sign: boolean): Promise<void> {
    const saved = await change.run(() =>
      record.api.createNote(record.patientId, encounter.id, { ...note, sign }),
    );
    if (saved) setAdding('none');
  }

  return (
    <article className="encounter" aria-labelledby={`${id}-title`}>
      <header className="encounter__header">
        <h3 id={`${id}-title`}>{title}</h3>
        <p className="muted">{t('clinical.record.by', { name: encounter.authorName })}</p>
      </header>
      <dl className="facts encounter__facts">
        <dt>{t('clinical.record.encounterReason')}</dt>
        <dd>{encounter.reason}</dd>
        <dt>{t('clinical.record.diagnoses')}</dt>
        <dd>
          {encounter.diagnoses.length === 0 ? (
            <span className="muted">{t('clinical.record.noDiagnoses')}</span>
          ) : (
            <ul className="plain-list">
              {encounter.diagnoses.map((diagnosis) => (
                <li key={diagnosis.id}>
                  <span className="code">{diagnosis.code}</span> {diagnosis.description}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>

      <h4 className="encounter__notes-title">{t('clinical.record.notes')}</h4>
      {encounter.notes.length === 0 ? (
        <p className="muted">{t('clinical.record.noNotes')}</p>
      ) : (
        <div className="notes">
          {encounter.notes.map((note) => (
            <NoteCard
              key={note.id}
              note={note}
              encounter={encounter}
              original={note.amendsNoteId === null ? undefined : notesById.get(note.amendsNoteId)}
              amendments={amendmentsOf.get(note.id) ?? []}
            />
          ))}
        </div>
      )}

      {adding === 'note' && (
        <NoteForm
          title={t('clinical.record.newNote')}
          busy={change.busy}
          problem={change.problem}
          onSave={(note, sign) => void addNote(note, sign)}
          onCancel={() => {
            setAdding('none');
          }}
        />
      )}
      {adding === 'diagnosis' && (
        <DiagnosisForm
          encounter={encounter}
          onDone={() => {
            setAdding('none');
          }}
        />
      )}
      {adding === 'none' && (record.can.writeNotes || record.can.writeDiagnoses) && (
        <div className="encounter__actions">
          {record.can.writeNotes && (
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => {
                setAdding('note');
              }}
            >
              {t('clinical.record.newNote')}
            </button>
          )}
          {record.can.writeDiagnoses && (
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => {
                setAdding('diagnosis');
              }}
            >
              {t('clinical.record.addDiagnosis')}
            </button>
          )}
        </div>
      )}
    </article>
  );
}

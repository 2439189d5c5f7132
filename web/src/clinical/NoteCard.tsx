import { useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format/useFormat.ts';
import { NoteForm, soapOf } from './NoteForm.tsx';
import { useOpenRecord, useRecordChange } from './RecordContext.tsx';
import type { Encounter, Note, SoapText } from './types.ts';

const SECTIONS: readonly (keyof SoapText)[] = ['subjective', 'objective', 'assessment', 'plan'];

export const noteAnchor = (noteId: string): string => `note-${noteId}`;

/** Moves the reader to another note of the record (an amendment and its original point at each other). */
function focusNote(noteId: string): void {
  const target = document.getElementById(noteAnchor(noteId));
  target?.scrollIntoView({ block: 'start' });
  target?.focus({ preventScroll: true });
}

function NoteReference({ label, note }: { label: string; note: Note }): ReactNode {
  return (
    <button
      type="button"
      className="link-button note__reference"
      onClick={() => {
        focusNote(note.id);
      }}
    >
      {label}
    </button>
  );
}

type Editing = 'none' | 'draft' | 'amend';

/** One note: its SOAP sections, whether it is signed, and what its author or a colleague may do next. */
export function NoteCard({
  note,
  encounter,
  original,
  amendments,
}: {
  note: Note;
  encounter: Encounter;
  /** The signed note this one corrects. */
  original: Note | undefined;
  /** Notes that correct this one. */
  amendments: readonly Note[];
}): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const record = useOpenRecord();
  const change = useRecordChange();
  const [editing, setEditing] = useState<Editing>('none');
  const signed = note.status === 'signed';
  const mayEditDraft = !signed && note.authorId === record.userId && record.can.writeNotes;
  const time = (iso: string): string => format.dateTime(iso);

  async function saveDraft(text: SoapText, sign: boolean): Promise<void> {
    const saved = await change.run(() =>
      record.api.updateNote(record.patientId, encounter.id, note.id, {
        ...soapOf(text),
        sign,
        version: note.version,
      }),
    );
    if (saved) setEditing('none');
  }

  async function amend(text: SoapText, sign: boolean): Promise<void> {
    const saved = await change.run(() =>
      record.api.createNote(record.patientId, encounter.id, { ...soapOf(text), sign, amendsNoteId: note.id }),
    );
    if (saved) setEditing('none');
  }

  return (
    <article
      id={noteAnchor(note.id)}
      className={`note ${signed ? 'note--signed' : 'note--draft'}`}
      tabIndex={-1}
      aria-label={t('clinical.record.noteLabel', { name: note.authorName, time: time(note.createdAt) })}
      data-status={note.status}
    >
      <header className="note__header">
        <span className={`badge ${signed ? 'badge--success' : 'badge--draft'}`}>
          {signed ? t('clinical.record.signed') : t('clinical.record.draft')}
        </span>
        <span className="note__byline">
          {note.authorName} · <time dateTime={note.createdAt}>{time(note.createdAt)}</time>
          {note.signedAt !== null && (
            <>
              {' · '}
              {t('clinical.record.signedAt')} <time dateTime={note.signedAt}>{time(note.signedAt)}</time>
            </>
          )}
        </span>
      </header>
      {original && (
        <p className="note__relation">
          <NoteReference
            label={t('clinical.record.amends', { time: time(original.createdAt) })}
            note={original}
          />
        </p>
      )}
      {amendments.map((amendment) => (
        <p key={amendment.id} className="note__relation note__relation--amended">
          <NoteReference
            label={t('clinical.record.amendedBy', {
              name: amendment.authorName,
              time: time(amendment.createdAt),
            })}
            note={amendment}
          />
        </p>
      ))}
      <dl className="soap">
        {SECTIONS.filter((section) => note[section] !== '').map((section) => (
          <div key={section} className="soap__section">
            <dt>{t(`clinical.record.soap.${section}`)}</dt>
            <dd>{note[section]}</dd>
          </div>
        ))}
      </dl>

      {editing === 'none' && change.problem !== null && (
        <p className="message message--error" role="alert">
          {change.problem}
        </p>
      )}
      {editing === 'none' && (mayEditDraft || (signed && record.can.writeNotes)) && (
        <div className="note__actions">
          {mayEditDraft && (
            <>
              <button
                type="button"
                className="button button--secondary button--small"
                onClick={() => {
                  setEditing('draft');
                }}
              >
                {t('clinical.record.editDraft')}
              </button>
              <button
                type="button"
                className="button button--primary button--small"
                disabled={change.busy}
                onClick={() => void saveDraft(note, true)}
              >
                {t('clinical.record.sign')}
              </button>
            </>
          )}
          {signed && record.can.writeNotes && (
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => {
                setEditing('amend');
              }}
            >
              {t('clinical.record.amend')}
            </button>
          )}
        </div>
      )}
      {editing === 'draft' && (
        <NoteForm
          title={t('clinical.record.editDraftTitle')}
          initial={note}
          busy={change.busy}
          problem={change.problem}
          onSave={(text, sign) => void saveDraft(text, sign)}
          onCancel={() => {
            setEditing('none');
          }}
        />
      )}
      {editing === 'amend' && (
        <NoteForm
          title={t('clinical.record.amendTitle', { time: time(note.createdAt) })}
          initial={note}
          busy={change.busy}
          problem={change.problem}
          onSave={(text, sign) => void amend(text, sign)}
          onCancel={() => {
            setEditing('none');
          }}
        />
      )}
    </article>
  );
}

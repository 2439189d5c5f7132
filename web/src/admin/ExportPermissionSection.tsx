import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format/useFormat.ts';
import { SaveButton } from './SaveButton.tsx';
import type { SaveChange, StaffMember } from './types.ts';
import { useSaving } from './useSaving.ts';

/**
 * The per-person export permission. Granting it needs a note saying why export is safe for this
 * person (for example that their device's anti-malware was checked); the note is kept with it.
 */
export function ExportPermissionSection({
  member,
  save,
}: {
  member: StaffMember;
  save: SaveChange;
}): ReactNode {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const current = member.exportPermission;
  const [granted, setGranted] = useState(current.granted);
  const [note, setNote] = useState(current.note ?? '');
  const [checked, setChecked] = useState(false);
  const saving = useSaving();
  const noteMissing = granted && note.trim() === '';

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    setChecked(true);
    if (noteMissing) return;
    void saving.run(() => save({ exportPermission: granted ? { granted, note: note.trim() } : { granted } }));
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.export.title')}</h2>
      <p className="card__intro" data-testid="export-permission-status">
        {current.granted
          ? t('admin.export.isGranted', {
              note: current.note ?? '',
              when: current.changedAt === null ? '' : format.dateTime(current.changedAt),
            })
          : t('admin.export.isNotGranted')}
      </p>
      <form className="form" aria-labelledby={`${id}-title`} noValidate onSubmit={submit}>
        <label className="choice">
          <input
            type="checkbox"
            checked={granted}
            onChange={(event) => {
              setGranted(event.target.checked);
              saving.edited();
            }}
          />
          {t('admin.export.allow')}
        </label>
        {granted && (
          <div className="field">
            <label htmlFor={`${id}-note`}>{t('admin.export.note')}</label>
            <textarea
              id={`${id}-note`}
              rows={2}
              maxLength={500}
              required
              value={note}
              placeholder={t('admin.export.notePlaceholder')}
              aria-invalid={checked && noteMissing}
              aria-describedby={`${id}-note-hint`}
              onChange={(event) => {
                setNote(event.target.value);
                saving.edited();
              }}
            />
            <p id={`${id}-note-hint`} className={checked && noteMissing ? 'field__problem' : 'field__hint'}>
              {checked && noteMissing ? t('admin.export.noteRequired') : t('admin.export.noteHint')}
            </p>
          </div>
        )}
        <SaveButton label={t('admin.export.save')} state={saving.state} />
      </form>
    </section>
  );
}

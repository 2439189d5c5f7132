import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { draftIsValid, draftOf, hoursOf } from './access-hours.ts';
import type { AccessHoursDraft } from './access-hours.ts';
import { AccessHoursEditor } from './AccessHoursEditor.tsx';
import { SaveButton } from './SaveButton.tsx';
import type { SaveChange, StaffMember } from './types.ts';
import { useSaving } from './useSaving.ts';

/** When the person may use Ward in this institution; checked at sign-in and on every request. */
export function AccessHoursSection({
  member,
  timeZone,
  save,
}: {
  member: StaffMember;
  timeZone: string | null;
  save: SaveChange;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState<AccessHoursDraft>(() => draftOf(member.accessHours));
  const [checked, setChecked] = useState(false);
  const saving = useSaving();

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    setChecked(true);
    if (!draftIsValid(draft)) return;
    void saving.run(() => save({ accessHours: hoursOf(draft) }));
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.hours.title')}</h2>
      <p className="card__intro">{t('admin.hours.intro')}</p>
      <form className="form" aria-labelledby={`${id}-title`} noValidate onSubmit={submit}>
        <AccessHoursEditor
          idPrefix={id}
          draft={draft}
          timeZone={timeZone}
          showProblems={checked}
          onChange={(next) => {
            setDraft(next);
            saving.edited();
          }}
        />
        <SaveButton label={t('admin.hours.save')} state={saving.state} />
      </form>
    </section>
  );
}

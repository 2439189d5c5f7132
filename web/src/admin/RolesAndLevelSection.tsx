import { useId, useState } from 'react';
import type { ReactNode, SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LevelSelect } from './LevelSelect.tsx';
import { knownRoles, RoleChoices } from './RoleChoices.tsx';
import { SaveButton } from './SaveButton.tsx';
import type { InstitutionRole, SaveChange, SecurityLevel, StaffMember } from './types.ts';
import { useSaving } from './useSaving.ts';

/** What the person may do here (roles) and how strongly their sign-in is protected (security level). */
export function RolesAndLevelSection({
  member,
  levels,
  save,
}: {
  member: StaffMember;
  levels: SecurityLevel[] | null;
  save: SaveChange;
}): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const [roles, setRoles] = useState<InstitutionRole[]>(() => knownRoles(member.roles));
  const [level, setLevel] = useState(member.securityLevel.name);
  const saving = useSaving();

  function submit(event: SubmitEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (roles.length === 0) return;
    void saving.run(() => save({ roles, level }));
  }

  return (
    <section className="card card--wide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('admin.member.rolesTitle')}</h2>
      <form className="form" aria-labelledby={`${id}-title`} onSubmit={submit}>
        <RoleChoices
          idPrefix={id}
          value={roles}
          invalid={roles.length === 0}
          onChange={(next) => {
            setRoles(next);
            saving.edited();
          }}
        />
        {levels !== null && (
          <LevelSelect
            id={`${id}-level`}
            levels={levels}
            value={level}
            onChange={(next) => {
              setLevel(next);
              saving.edited();
            }}
          />
        )}
        <SaveButton label={t('admin.member.saveRoles')} state={saving.state} />
      </form>
    </section>
  );
}

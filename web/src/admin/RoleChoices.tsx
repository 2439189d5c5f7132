import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { roleLabel } from '../account/labels.ts';
import { INSTITUTION_ROLES } from './types.ts';
import type { InstitutionRole } from './types.ts';

/** One checkbox per institution role; a person holds at least one. */
export function RoleChoices({
  idPrefix,
  value,
  onChange,
  invalid,
}: {
  idPrefix: string;
  value: readonly InstitutionRole[];
  onChange: (roles: InstitutionRole[]) => void;
  invalid: boolean;
}): ReactNode {
  const { t } = useTranslation();
  return (
    <fieldset
      className="choice-group choice-group--inline"
      aria-describedby={invalid ? `${idPrefix}-roles-problem` : undefined}
    >
      <legend>{t('admin.fields.roles')}</legend>
      {INSTITUTION_ROLES.map((role) => (
        <label key={role} className="choice">
          <input
            type="checkbox"
            checked={value.includes(role)}
            onChange={(event) => {
              onChange(
                event.target.checked
                  ? INSTITUTION_ROLES.filter((r) => r === role || value.includes(r))
                  : value.filter((r) => r !== role),
              );
            }}
          />
          {roleLabel(role, t)}
        </label>
      ))}
      {invalid && (
        <p id={`${idPrefix}-roles-problem`} className="field__problem">
          {t('admin.fields.rolesRequired')}
        </p>
      )}
    </fieldset>
  );
}

/** The roles of a person as the editor holds them: only the ones this app knows. */
export function knownRoles(roles: readonly string[]): InstitutionRole[] {
  return INSTITUTION_ROLES.filter((role) => roles.includes(role));
}

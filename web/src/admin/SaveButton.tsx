import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SavingState } from './useSaving.ts';

/** A form's save button with what became of the last save beside it. */
export function SaveButton({ label, state }: { label: string; state: SavingState }): ReactNode {
  const { t } = useTranslation();
  const saving = state.kind === 'saving';
  return (
    <div className="form__actions">
      <button type="submit" className="button button--primary" disabled={saving} aria-busy={saving}>
        {saving ? t('admin.common.saving') : label}
      </button>
      <span role="status" className="save-status">
        {state.kind === 'saved' && t('admin.common.saved')}
      </span>
      {state.kind === 'failed' && (
        <p className="message message--error save-error" role="alert">
          {state.message}
        </p>
      )}
    </div>
  );
}

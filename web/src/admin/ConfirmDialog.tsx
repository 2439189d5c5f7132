import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Modal } from '../twofactor/Modal.tsx';

/** Asks before an action that cannot be taken back quietly, saying what it will do. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  return (
    <Modal title={title} onClose={onCancel}>
      <div className="confirm-dialog">
        {children}
        {error !== null && (
          <p className="message message--error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button
            type="button"
            className="button button--danger"
            disabled={busy}
            aria-busy={busy}
            onClick={onConfirm}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button button--secondary" disabled={busy} onClick={onCancel}>
            {t('admin.common.cancel')}
          </button>
        </div>
      </div>
    </Modal>
  );
}

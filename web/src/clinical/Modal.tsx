import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

/**
 * A modal dialog on the browser's own <dialog>: focus moves into it and stays there, the page behind
 * is inert, and Escape asks to dismiss it.
 */
export function Modal({
  labelledBy,
  describedBy,
  onDismiss,
  children,
}: {
  labelledBy: string;
  describedBy?: string;
  onDismiss: () => void;
  children: ReactNode;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => {
      element?.close();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onCancel={(event) => {
        // The page decides whether the dialog goes away; the browser would otherwise close it behind React's back.
        event.preventDefault();
        onDismiss();
      }}
    >
      {children}
    </dialog>
  );
}

import { useEffect, useId, useRef } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The controls Tab stops at, in order; hidden ones are skipped. */
function tabStopsIn(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (element) => element.getClientRects().length > 0,
  );
}

/**
 * Keeps Tab and Shift+Tab cycling inside the dialog. showModal() already makes the page behind it inert,
 * but from the last control the browser would move on to its own toolbar, out of the user's task.
 */
function keepFocusInside(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== 'Tab') return;
  const focusable = tabStopsIn(event.currentTarget);
  const first = focusable[0];
  const last = focusable.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || active === event.currentTarget)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

interface Props {
  title: string;
  /** Called when the user closes the dialog (Escape, or a button inside that calls it). */
  onClose: () => void;
  children: ReactNode;
}

/**
 * A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert, Tab cycles
 * inside it, Escape closes it, and closing returns the focus where it was. It is open while
 * it is mounted: the parent renders it to open it and stops rendering it to close it.
 */
export function Modal({ title, onClose, children }: Props): ReactNode {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) {
      element.showModal();
      // The first control, not whatever focusable text comes first (the browser's own choice).
      tabStopsIn(element)[0]?.focus();
    }
    return () => {
      if (element.open) element.close();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-modal="true"
      aria-labelledby={`${id}-title`}
      onKeyDown={keepFocusInside}
      onClose={() => {
        // A close that the component's own cleanup made (and a remount undid) is not the user's.
        if (dialog.current?.open !== true) onClose();
      }}
    >
      <h2 id={`${id}-title`} className="modal__title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

import { useEffect, useRef, type ReactNode } from 'react';

/** A modal on the native <dialog>: focus trap, Esc to close, backdrop for free. */
export function Dialog({ title, open, onClose, children, testId }: { title: string; open: boolean; onClose(): void; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" onClose={onClose} data-testid={testId}>
      <header>
        <h2>{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {open && children}
    </dialog>
  );
}

import { useEffect } from 'react';
import { NAV } from './Sidebar';
import { navigate } from './route';

/** The keys the console answers to; the `?` sheet lists exactly these. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: 'Ctrl K / ⌘ K', what: 'Command palette: go anywhere, open a session or task, create a task' },
  { keys: '?', what: 'This list of shortcuts' },
  ...NAV.map((n) => ({ keys: n.key, what: `Go to ${n.label}` })),
  { keys: 'n', what: 'New task' },
  { keys: '/', what: 'Search the current table' },
  { keys: 'j / k', what: 'Next / previous row in the tasks table' },
  { keys: 'Enter', what: 'Open the selected row' },
  { keys: 'Esc', what: 'Close a dialog, the palette or a detail view' },
  { keys: 'Ctrl S / ⌘ S', what: 'Save the file in the config editor' },
];

/** `#/tasks?new`: the tasks page opens its dialog (works whether or not it is mounted yet). */
export function openNewTask(): void {
  location.hash = '#/tasks?new';
}
/** Sent by `/`; the page with a search box focuses it. */
export const FOCUS_SEARCH_EVENT = 'architect:focus-search';

/** Sequences like `g t` must be typed within this window, as in GitHub and Gmail. */
const SEQUENCE_WINDOW_MS = 1200;

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('.xterm, .cm-editor, dialog')) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useGlobalShortcuts(actions: { openPalette(): void; openHelp(): void }): void {
  useEffect(() => {
    let pending: string | null = null;
    let pendingAt = 0;
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        actions.openPalette();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typingInto(e.target)) return;
      if (pending === 'g' && Date.now() - pendingAt < SEQUENCE_WINDOW_MS) {
        pending = null;
        const item = NAV.find((n) => n.key === `g ${e.key}`);
        if (item) {
          e.preventDefault();
          navigate(item.page);
        }
        return;
      }
      if (e.key === 'g') {
        pending = 'g';
        pendingAt = Date.now();
      } else if (e.key === '?') {
        e.preventDefault();
        actions.openHelp();
      } else if (e.key === 'n') {
        e.preventDefault();
        openNewTask();
      } else if (e.key === '/') {
        e.preventDefault();
        window.dispatchEvent(new Event(FOCUS_SEARCH_EVENT));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);
}

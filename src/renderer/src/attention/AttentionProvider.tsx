import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { InboxItem, UnreadMark } from '../../../shared/attention';
import { useFleet } from '../data/fleet';
import { useRefreshing } from '../data/live';
import { navigate } from '../shell/route';
import { useBrowserNotifications } from './browserNotifications';
import './attention.css';

// What needs the operator: agents waiting on a dialog (with the dialog read off their
// screen) and sessions marked unread. Kept once for the sidebar, the session cards and
// pages, the window title and the Attention page.

export interface Attention {
  /** Agents waiting on a dialog, longest waiting first. */
  inbox: InboxItem[] | null;
  inboxError: string | null;
  /** Unread marks of the sessions running now, by session id. */
  unread: ReadonlyMap<string, UnreadMark>;
  /** Looks again now (after an answer). */
  reload(): void;
  /** Shows how an answer went (its dialog usually leaves the screen, and the page, at once). */
  noteAnswer(note: AnswerNote): void;
}

export interface AnswerNote {
  session: string;
  text: string;
  ok: boolean;
}

const INBOX_REFRESH_SECONDS = 10;
/** How long the outcome of an answer stays on screen. */
const NOTE_MS = 10_000;

const AttentionContext = createContext<Attention>({ inbox: null, inboxError: null, unread: new Map(), reload: () => undefined, noteAnswer: () => undefined });

/** The window (and, in the desktop app, the dock) shows how many sessions need a look. */
export function titleFor(unread: number): string {
  return unread > 0 ? `(${unread}) Architect` : 'Architect';
}

export function AttentionProvider({ children }: { children: ReactNode }) {
  const { sessions } = useFleet();
  // Reading the inbox reads every waiting agent's screen: it is reloaded when an agent
  // starts or stops waiting, not on every transition of the fleet (and every 10 s, for
  // a dialog replaced by another without the state changing).
  const inbox = useRefreshing(async () => (await window.architect.attention.inbox()).items, { events: ['attention.changed'], refreshSeconds: INBOX_REFRESH_SECONDS });
  const marks = useRefreshing(async () => (await window.architect.attention.unread()).marks, { events: ['attention.changed'] });
  const reloadInbox = useRef(inbox.reload);
  reloadInbox.current = inbox.reload;
  useEffect(() => window.architect.on('sessions.transition', (t) => void ((t.from === 'waiting' || t.to === 'waiting') && reloadInbox.current())), []);
  const unread = useMemo(() => {
    const present = new Set((sessions ?? []).map((s) => s.id));
    return new Map((marks.value ?? []).filter((m) => present.has(m.sessionId)).map((m) => [m.sessionId, m]));
  }, [marks.value, sessions]);

  useEffect(() => {
    document.title = titleFor(unread.size);
  }, [unread.size]);
  useBrowserNotifications();
  // The desktop app's notification was clicked.
  useEffect(
    () =>
      window.architect.on('attention.open', (p) => {
        if (p.sessionId) navigate('sessions', p.sessionId);
        else if (p.taskId !== null) navigate('tasks', p.taskId);
      }),
    [],
  );

  const [note, setNote] = useState<AnswerNote | null>(null);
  useEffect(() => {
    if (!note) return;
    const t = setTimeout(() => setNote(null), NOTE_MS);
    return () => clearTimeout(t);
  }, [note]);

  const value = useMemo(
    () => ({
      inbox: inbox.value,
      inboxError: inbox.error,
      unread,
      reload: () => {
        inbox.reload();
        marks.reload();
      },
      noteAnswer: setNote,
    }),
    [inbox.value, inbox.error, unread],
  );
  return (
    <AttentionContext.Provider value={value}>
      {children}
      {note && (
        <div className={`answer-note ${note.ok ? 'ok' : 'bad'}`} data-testid="answer-result" data-ok={note.ok} role="status">
          <b>{note.session}</b> {note.text}
          <button type="button" className="ghost" aria-label="Dismiss" onClick={() => setNote(null)}>
            ×
          </button>
        </div>
      )}
    </AttentionContext.Provider>
  );
}

export function useAttention(): Attention {
  return useContext(AttentionContext);
}

/** The inbox entry of a session, when it waits on a dialog. */

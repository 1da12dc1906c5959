import { useState } from 'react';
import type { AnswerResult, InboxItem } from '../../../shared/attention';
import { errorMessage } from '../data/format';
import { useAttention } from './AttentionProvider';

/**
 * A waiting agent's dialog as read off its screen: the question, what it is about, and
 * its options as buttons. A click sends the keys agents.yaml defines for that option,
 * only if the same dialog is still on the screen (the console checks, then confirms).
 */
export function DialogAnswer({ item, compact = false }: { item: InboxItem; compact?: boolean }) {
  const { reload, noteAnswer } = useAttention();
  const [busy, setBusy] = useState<number | null>(null);
  const dialog = item.dialog;
  if (!dialog) {
    return (
      <p className="muted small" data-testid="dialog-unread">
        Waiting for {(item.reason ?? 'input').replace(/_/g, ' ')}; its dialog could not be read off the screen (agents.yaml <code>dialogs:</code>). Open the
        session to answer it.
      </p>
    );
  }
  const answer = async (n: number): Promise<void> => {
    setBusy(n);
    try {
      const r: AnswerResult = await window.architect.attention.answer({ sessionId: item.sessionId, option: n, dialogId: dialog.id });
      noteAnswer({ session: item.name, text: r.message, ok: r.outcome === 'answered' });
    } catch (e) {
      noteAnswer({ session: item.name, text: errorMessage(e), ok: false });
    } finally {
      setBusy(null);
      reload();
    }
  };
  return (
    <div className={`dialog-answer ${compact ? 'compact' : ''}`} data-testid="dialog-answer" data-session={item.name} data-dialog={dialog.id} data-kind={dialog.kind}>
      <div className="dialog-question" data-testid="dialog-question">
        {dialog.question}
      </div>
      {!compact && dialog.context.length > 0 && <pre className="dialog-context">{dialog.context.join('\n')}</pre>}
      <div className="dialog-options">
        {dialog.options.map((o) => (
          <button
            key={o.n}
            type="button"
            className={o.n === 1 ? 'primary' : ''}
            data-testid="answer-option"
            data-n={o.n}
            disabled={busy !== null || !o.offered}
            title={o.offered ? (o.description ?? `Answer ${o.n}`) : 'needs typing in the terminal: open the session'}
            onClick={() => void answer(o.n)}
          >
            {o.n}. {o.label}
          </button>
        ))}
      </div>
    </div>
  );
}

import { useEffect } from 'react';
import { useAttention } from '../attention/AttentionProvider';
import { DialogAnswer } from '../attention/DialogAnswer';
import { StatePill } from '../components/Badges';
import { ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime, Since } from '../components/Time';
import { useFleet } from '../data/fleet';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';
import { LiveTerminal } from './LiveTerminal';

/** One pane: its live terminal, how its state was decided, and its state history. */
export function SessionView({ sessionId }: { sessionId: string }) {
  const { sessions } = useFleet();
  const session = sessions?.find((s) => s.id === sessionId) ?? null;
  const { inbox, unread, reload } = useAttention();
  const waiting = inbox?.find((i) => i.sessionId === sessionId);
  // Opening the session is looking at it: its unread mark goes (and any new one while it is open).
  const marked = unread.has(sessionId);
  useEffect(() => {
    if (marked) void window.architect.attention.markRead({ sessionId }).then(reload, () => undefined);
  }, [sessionId, marked]);
  const history = useRefreshing(async () => (await window.architect.sessions.history({ id: sessionId, limit: 200 })).events, {
    events: ['sessions.transition'],
    key: sessionId,
  });
  const explain = useRefreshing(async () => (await window.architect.sessions.explain({ id: sessionId })).text, { events: ['sessions.transition'], key: sessionId });
  if (sessions && !session) {
    return (
      <div className="page">
        <PageHeader title="Session not found" />
        <p>
          No pane <code>{sessionId}</code> now. It may have closed. <a href={routeHref('sessions')}>All sessions</a>
        </p>
      </div>
    );
  }
  return (
    <div className="page session-view" data-testid="page-session">
      <PageHeader
        title={
          <>
            <a href={routeHref('sessions')} className="muted">
              Sessions
            </a>{' '}
            / {session?.name ?? sessionId} {session && <StatePill state={session.state} title={session.reason ?? undefined} />}
          </>
        }
      >
        {session && (
          <span className="muted small">
            {session.agent} · <code>{session.server}:{session.paneId}</code> · {session.width}×{session.height} · {session.cwd}
          </span>
        )}
      </PageHeader>
      <div className="session-layout">
        <LiveTerminal sessionId={sessionId} />
        <aside className="session-side">
          {waiting && (
            <section className="card" data-testid="session-dialog">
              <h2>Waiting on you</h2>
              <DialogAnswer item={waiting} />
            </section>
          )}
          <section className="card">
            <h2>Now</h2>
            {session && (
              <p>
                <b>{session.state}</b> for <Since at={session.stateSince} />
                {session.reason && <> · {session.reason}</>}
                <br />
                {session.currentTaskId !== null ? <a href={routeHref('tasks', session.currentTaskId)}>task #{session.currentTaskId}</a> : <span className="muted">no task</span>}
              </p>
            )}
            <h2>Why this state</h2>
            <ErrorNote error={explain.error} />
            <pre className="explain" data-testid="session-explain">{explain.value ?? '…'}</pre>
          </section>
          <section className="card">
            <h2>State history</h2>
            <ErrorNote error={history.error} />
            <ol className="history" data-testid="session-history">
              {[...(history.value ?? [])].reverse().map((e, i) => (
                <li key={i}>
                  <RelativeTime at={e.at} /> {e.from ?? '—'} → <b>{e.to}</b>
                  {e.reason && <span className="muted small"> ({e.reason})</span>}
                </li>
              ))}
              {history.value?.length === 0 && <li className="muted">No transitions recorded yet.</li>}
            </ol>
          </section>
        </aside>
      </div>
    </div>
  );
}

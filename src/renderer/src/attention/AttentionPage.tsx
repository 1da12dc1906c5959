import { useState } from 'react';
import { EmptyState, ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime, Since } from '../components/Time';
import { errorMessage } from '../data/format';
import { useFleet } from '../data/fleet';
import { routeHref } from '../shell/route';
import { useAttention } from './AttentionProvider';
import { DeliveriesSection } from './DeliveriesSection';
import { DialogAnswer } from './DialogAnswer';
import { NotificationPermission } from './NotificationPermission';

/**
 * What needs the operator, across the fleet: every agent waiting on a dialog (answered
 * from here), the sessions marked unread, and what was sent where (deliveries, failures).
 */
export function AttentionPage() {
  const { inbox, inboxError, unread, reload } = useAttention();
  const { sessions } = useFleet();
  const [error, setError] = useState<string | null>(null);
  const nameOf = (id: string) => sessions?.find((s) => s.id === id)?.name ?? id;
  const markRead = (sessionId: string) => window.architect.attention.markRead({ sessionId }).then(reload, (e: unknown) => setError(errorMessage(e)));
  return (
    <div className="page attention-page" data-testid="page-attention">
      <PageHeader title="Attention">
        <NotificationPermission />
      </PageHeader>
      <ErrorNote error={inboxError ?? error} />

      <section className="card">
        <h2>
          Waiting on you {inbox && <span className="muted small">{inbox.length}</span>}
        </h2>
        {inbox && inbox.length === 0 && (
          <EmptyState title="No agent is waiting" testId="inbox-empty">
            <p>
              Agents waiting on an approval, a question, a trust or a login screen show here with their dialog read off the screen, to
              answer from one place.
            </p>
          </EmptyState>
        )}
        <div className="inbox" data-testid="inbox">
          {(inbox ?? []).map((item) => (
            <div key={item.sessionId} className="card inbox-item" data-testid="inbox-item" data-session={item.name}>
              <div className="inbox-head">
                <a href={routeHref('sessions', item.sessionId)}>
                  <b>{item.name}</b>
                </a>
                {item.unread && <span className="unread-dot" title="new since you last opened it" />}
                <span className="muted small">
                  {item.agent} · waiting <Since at={item.stateSince} />
                  {item.currentTaskId !== null && (
                    <>
                      {' '}
                      · <a href={routeHref('tasks', item.currentTaskId)}>task #{item.currentTaskId}</a>
                    </>
                  )}
                </span>
              </div>
              <DialogAnswer item={item} />
            </div>
          ))}
        </div>
      </section>

      <section className="card">
        <h2>
          Unread {unread.size > 0 && <span className="muted small">{unread.size}</span>}
        </h2>
        {unread.size === 0 ? (
          <p className="muted small">Sessions that start waiting, hit an error or finish a task are marked until you open them.</p>
        ) : (
          <ul className="unread-list" data-testid="unread-list">
            {[...unread.values()].map((m) => (
              <li key={m.sessionId} data-testid="unread-item" data-session={nameOf(m.sessionId)}>
                <a href={routeHref('sessions', m.sessionId)}>{nameOf(m.sessionId)}</a> <span className="muted small">{m.detail ?? m.event.replace(/_/g, ' ')}</span>{' '}
                <RelativeTime at={m.since} />{' '}
                <button type="button" className="ghost" onClick={() => void markRead(m.sessionId)}>
                  mark read
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <DeliveriesSection />
    </div>
  );
}

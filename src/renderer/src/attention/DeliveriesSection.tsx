import { useState } from 'react';
import type { DeliveryView } from '../../../shared/attention';
import { ErrorNote } from '../components/EmptyState';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';

const RECENT = 200;

/** Channels (with a test button) and recent deliveries with their outcome: sent, retrying, failed, suppressed and why. */
export function DeliveriesSection() {
  const [failedOnly, setFailedOnly] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const [note, setNote] = useState<{ text: string; ok: boolean } | null>(null);
  const deliveries = useRefreshing(async () => (await window.architect.notifications.recent({ limit: RECENT, failedOnly })).deliveries, {
    events: ['notifications.changed'],
    key: failedOnly,
  });
  const channels = useRefreshing(async () => (await window.architect.notifications.channels()).channels, { events: ['notifications.changed', 'config.changed'] });
  const test = async (channel: string): Promise<void> => {
    setTesting(channel);
    setNote(null);
    try {
      const { deliveries: sent } = await window.architect.notifications.test({ channel });
      const d = sent[0];
      setNote({ text: d ? `${channel}: ${d.status}${d.detail ? ` (${d.detail})` : ''}` : `${channel}: nothing was sent`, ok: d?.status === 'sent' });
    } catch (e) {
      setNote({ text: errorMessage(e), ok: false });
    } finally {
      setTesting(null);
    }
  };
  return (
    <>
      <section className="card">
        <h2>Channels</h2>
        <ErrorNote error={channels.error} />
        <table className="table" data-testid="channels-table">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Type</th>
              <th>Goes to</th>
              <th>Last delivery</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(channels.value ?? []).map((c) => (
              <tr key={c.name} data-testid="channel-row" data-channel={c.name}>
                <td>
                  <b>{c.name}</b>
                  {c.builtin && <span className="muted small"> built in</span>}
                </td>
                <td>{c.type}</td>
                <td className="muted">{c.target}</td>
                <td>
                  {c.lastStatus ? (
                    <>
                      <StatusTag status={c.lastStatus} /> <RelativeTime at={c.lastAt} />
                      {c.lastDetail && <div className="muted small ellipsis">{c.lastDetail}</div>}
                    </>
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td>
                  <button type="button" data-testid="channel-test" disabled={testing !== null} onClick={() => void test(c.name)}>
                    {testing === c.name ? 'Sending…' : 'Send test'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {note && (
          <div className={`small ${note.ok ? 'ok-text' : 'error'}`} data-testid="channel-test-result" role="status">
            {note.text}
          </div>
        )}
      </section>

      <section className="card">
        <h2>
          Deliveries{' '}
          <label className="check">
            <input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly(e.target.checked)} /> failures only
          </label>
        </h2>
        <ErrorNote error={deliveries.error} />
        {deliveries.value?.length === 0 && <p className="muted small">{failedOnly ? 'No failed deliveries.' : 'Nothing sent yet.'}</p>}
        {deliveries.value && deliveries.value.length > 0 && (
          <table className="table" data-testid="deliveries-table">
            <thead>
              <tr>
                <th style={{ width: 110 }}>When</th>
                <th>Event</th>
                <th style={{ width: 120 }}>Channel</th>
                <th style={{ width: 130 }}>Outcome</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.value.map((d) => (
                <DeliveryRow key={d.id} d={d} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function DeliveryRow({ d }: { d: DeliveryView }) {
  const about = d.sessionId ? routeHref('sessions', d.sessionId) : d.taskId ? routeHref('tasks', d.taskId) : null;
  return (
    <tr data-testid="delivery-row" data-status={d.status} data-channel={d.channel} data-event={d.event ?? ''}>
      <td>
        <RelativeTime at={d.createdAt} />
      </td>
      <td>
        <span className="muted small">{(d.event ?? 'alert').replace(/_/g, ' ')}</span> {about ? <a href={about}>{d.title}</a> : d.title}
        <div className="muted small">rule {d.rule}</div>
      </td>
      <td>{d.channel}</td>
      <td>
        <StatusTag status={d.status} />
        {d.attempts > 1 && <span className="muted small"> · {d.attempts} tries</span>}
        {d.status === 'pending' && d.nextAttemptAt && (
          <div className="muted small">
            next try <RelativeTime at={d.nextAttemptAt} />
          </div>
        )}
      </td>
      <td className="small">{d.detail ?? ''}</td>
    </tr>
  );
}

const STATUS_CLASS: Record<string, string> = { sent: 'ok-text', failed: 'error', pending: '', suppressed: 'muted', dropped: 'error' };

function StatusTag({ status }: { status: string }) {
  return (
    <span className={`delivery-status ${STATUS_CLASS[status] ?? ''}`} data-testid="delivery-status">
      {status}
    </span>
  );
}

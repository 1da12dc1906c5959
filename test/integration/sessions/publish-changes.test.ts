// A publish does work for the sessions that changed, not for every session: with 20
// sessions listed, a change to one builds one Session object, reads the held task of
// that one (one statement) and sends a delta of that one. A change to the queue re-reads
// every listed name's held task in one statement and tells clients only the session
// whose task changed (issue 20).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionReads } from '../../../src/main/store/session-reads.js';
import { pollUntil } from '../../support/poll.js';
import { useSessionsFeature } from './sessions-feature.js';

const SESSIONS = 20;
const fixture = useSessionsFeature();
afterEach(() => vi.restoreAllMocks());

describe('a sessions publish', () => {
  it('builds, reads and sends only the session that changed; a queue change re-reads held tasks in one statement', { timeout: 60_000 }, async () => {
    // A fixed process in each pane (a login shell may run its start-up jobs meanwhile); not
    // an agent, so each pane is named session.window.pane.
    for (let i = 0; i < SESSIONS; i++) fixture.tmux.newSession(`s${i}`, ['sleep', '100000']);
    const heldReads = vi.spyOn(SessionReads.prototype, 'heldTasks');
    const { feature, bus, deltas } = await fixture.start();
    const monitor = feature.monitor!;
    await pollUntil('every session listed', () => feature.list().length === SESSIONS, { limitMs: 20_000 });
    // Settled: a full scan of unchanged panes builds nothing.
    await monitor.scan();
    await monitor.scan();
    const built = monitor.sessionsBuilt;
    await monitor.scan();
    expect(monitor.sessionsBuilt).toBe(built);

    heldReads.mockClear();
    deltas.length = 0;
    fixture.tmux.run('rename-session', '-t', 's3', 'renamed');
    await monitor.scan();
    expect(monitor.sessionsBuilt - built).toBe(1);
    expect(heldReads.mock.calls).toEqual([[['renamed.0.0']]]);
    expect(deltas).toHaveLength(1);
    // Only what changed: the renamed session's id with its new name (and what else moved with it), not the whole session.
    expect(deltas[0]!.upserted).toEqual([]);
    expect(deltas[0]!.changed.map((s) => s.name)).toEqual(['renamed.0.0']);
    expect(Object.keys(deltas[0]!.changed[0]!)).not.toContain('argv');
    expect(deltas[0]!.removed).toEqual([]);

    // A task claimed for s5 (as the task core writes it), then the queue's change signal.
    const task = fixture.db.store.tasks.add({ type: 'bug_fix', title: 'a', prompt: 'p' });
    fixture.db.store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 's5.0.0' WHERE id = ?").run(task.id);
    heldReads.mockClear();
    deltas.length = 0;
    bus.emit('tasks.changed', { total: 1, counts: fixture.db.store.tasks.counts() });
    expect(heldReads).toHaveBeenCalledTimes(1);
    expect(deltas).toHaveLength(1);
    const s5 = feature.list().find((s) => s.name === 's5.0.0')!;
    expect(deltas[0]!.upserted).toEqual([]);
    expect(deltas[0]!.changed).toEqual([{ id: s5.id, currentTaskId: task.id }]);
    expect(feature.list().find((s) => s.name === 's5.0.0')?.currentTaskId).toBe(task.id);
  });
});

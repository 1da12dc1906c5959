// 20 tasks through 4 scripted agents on a private tmux server, with the real
// session monitor, the real dispatch and a real SQLite file: priority order,
// preferences, a timed-out task reassigned, a killed agent's task requeued.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { deliverPrompt } from '../../../src/main/dispatch/deliver.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { classify } from '../../../src/main/sessions/classify.js';
import { compileManifests, loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { SessionMonitor } from '../../../src/main/sessions/monitor.js';
import { openStore, type Store } from '../../../src/main/store/store.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { PrivateTmux } from '../../support/tmux.js';
import { pollUntil } from '../../support/poll.js';
import { installFakeClaude } from '../../support/processes.js';

const AGENTS = loadAgentManifests(path.resolve(import.meta.dirname, '../../../config/base/agents.yaml'));
const CLAUDE = compileManifests(AGENTS).byName.get('claude')!;
const WORKERS = ['dev_worker1', 'dev_worker2', 'dev_worker3', 'dev_worker4'];
/** Long enough to be seen working, short enough for 20 tasks to finish quickly. */
const WORK_MS = 400;
const POLL_MS = 100;
const FLOW_LIMIT_MS = 90_000;

// A loaded machine can fail a delivery check now and then; the flow retries it. The
// retry budget (max_attempts → failed) has its own tests, so it is wide here.
const RULES = RoutingFile.parse({
  version: '1',
  environment_routing: {
    bug_fix: { preferred_sessions: ['dev_worker2'], urgent: true, priority: 9, max_attempts: 20 },
    feature_development: { preferred_sessions: ['dev_worker1', 'dev_worker2'], priority: 5, max_attempts: 20 },
    docs: { preferred_sessions: ['dev_worker3'], priority: 2, max_attempts: 20 },
    // 2.4 s: the SLOW prompt works longer than that.
    slow_job: { preferred_sessions: ['dev_worker4'], priority: 10, timeout_minutes: 0.04 },
  },
  supported_providers: ['claude'],
  fallback_rules: [{ condition: 'no_sessions_available', action: 'queue_task', retry_after_seconds: 60 }],
});

const until = <T>(what: string, check: () => T | null | undefined | false, limitMs = FLOW_LIMIT_MS): Promise<T> => pollUntil(what, check, { limitMs, intervalMs: POLL_MS });

describe('the assigner on a private tmux server with scripted agents', () => {
  const tmux = new PrivateTmux();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-assigner-flow-'));
  let store: Store;
  let monitor: SessionMonitor;
  let assigner: Assigner;
  let stopAssigner: () => Promise<void> = async () => undefined;
  const panes = new Map<string, string>();

  beforeAll(async () => {
    const claude = installFakeClaude(dir);
    for (const name of WORKERS) {
      const log = path.join(dir, `${name}.log`);
      panes.set(name, tmux.newSession(name, [claude, log, '--work-ms', String(WORK_MS), '--slow-ms', '6000', '--long-ms', '5000']));
    }
    store = openStore({ path: path.join(dir, 'architect.db'), logger: silentLogger });
    monitor = new SessionMonitor({ servers: [tmuxServer(tmux.socket)], agents: AGENTS, scanIntervalMs: 1_000 });
    await monitor.start();
    await until('four idle claude sessions', () => monitor.list().filter((s) => s.agent === 'claude' && s.state === 'idle').length === 4, 15_000);
  });

  afterAll(async () => {
    await stopAssigner();
    monitor?.stop();
    store?.close();
    let socketPath = '';
    try {
      socketPath = tmux.run('display-message', '-p', '#{socket_path}').trim();
    } catch {
      // the server is already gone
    }
    tmux.kill();
    if (socketPath.includes(tmux.socket)) fs.rmSync(socketPath, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('20 mixed tasks reach completed in priority order, on preferred sessions; a timeout reassigns; a killed agent gives its task back', async () => {
    const types = ['bug_fix', 'feature_development', 'docs'] as const;
    const priorityOf = { bug_fix: 9, feature_development: 5, docs: 2 } as const;
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const type = types[i % 3]!;
      const prompt = i === 4 ? `task ${i}: LONG ${type}` : `task ${i}: ${type}`;
      ids.push(store.tasks.add({ type, title: `t${i}`, prompt, priority: priorityOf[type] }).id);
    }
    const slow = store.tasks.add({ type: 'slow_job', title: 'slow', prompt: 'SLOW job', priority: 10 }).id;
    const long = ids[4]!;

    assigner = new Assigner({
      store,
      getSnapshot: () => ({ routing: RULES }),
      getSessions: () => monitor.list(),
      deliver: (s: Session, prompt: string) =>
        deliverPrompt({ socketName: tmux.socket }, { name: s.name, paneId: s.paneId }, prompt, {
          classify: (screen) => classify({ lines: screen.split('\n'), title: '' }, CLAUDE).state,
        }),
      logger: silentLogger,
    });
    monitor.onChange((sessions, transitions) => assigner.onSessions(sessions, transitions));
    stopAssigner = assigner.start();

    // The timed-out task goes to another session; then it is cancelled so it stops bouncing.
    // Urgent bug fixes go first, so which session frees up for it first varies.
    const where = (): string =>
      `tasks: ${[...ids, slow].map((id) => store.tasks.get(id)!).map((t) => `#${t.id} ${t.status}@${t.assignedTo ?? '-'} (${t.statusReason ?? ''})`).join('; ')}; ` +
      `sessions: ${monitor.list().map((s) => `${s.name}=${s.state}`).join(', ')}; ` +
      `held: ${[...ids, slow].filter((id) => ['assigned', 'in_progress'].includes(store.tasks.get(id)!.status)).map((id) => `#${id}: ${JSON.stringify(store.decisions.forTask(id).map((d) => `${d.at} ${d.decision}: ${d.reason}`))} ${JSON.stringify(store.tasks.history(id).map((e) => `${e.at} ${e.toStatus}`))}`).join(' ')}; last decisions: ${store.writer.prepare('SELECT task_id, decision, reason FROM decisions ORDER BY id DESC LIMIT 8').all().map((d) => JSON.stringify(d)).join(' ')}`;
    const firstHolder = await until('the slow task assigned', () => store.tasks.get(slow)?.assignedTo).catch((err: Error) => {
      throw new Error(`${err.message}: ${where()}`);
    });
    // Cancelled only once its new holder is seen working on it: cancelled while the console
    // still shows that agent idle (the prompt typed, the next scan not yet run), the session
    // looks free and the next task's prompt is typed into a busy agent, which drops it
    // (seen 2 in 6 runs under load, on main and on the start of the day alike).
    await until('the slow task reassigned and worked on', () => {
      const t = store.tasks.get(slow);
      return t && t.assignedTo !== firstHolder && t.status === 'in_progress';
    });
    expect(store.decisions.forTask(slow).some((d) => d.kind === 'timeout' && d.reason.includes('over timeout_minutes 0.04'))).toBe(true);
    store.tasks.cancel(slow, 'test: reassignment seen');

    // The LONG task's agent is killed while it works on it.
    const victim = await until('the LONG task in progress', () => {
      const t = store.tasks.get(long);
      return t?.status === 'in_progress' ? t.assignedTo : null;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: LONG #${long} history ${JSON.stringify(store.tasks.history(long))}; ${where()}`);
    });
    tmux.run('kill-pane', '-t', panes.get(victim!)!);
    await until('the LONG task back in the queue', () => store.tasks.history(long).some((e) => e.reason?.includes(`${victim} exited mid-task`)));

    await until('all 20 tasks completed', () => ids.every((id) => store.tasks.get(id)?.status === 'completed')).catch((err: Error) => {
      // Say where each unfinished task stands: a flake is then a diagnosis, not a timeout.
      throw new Error(`${err.message}: ${where()}`);
    });
    expect(store.tasks.get(long)?.assignedTo).not.toBe(victim);

    // Priority order: each task's first assignment never follows one of a lower rank.
    const firstAssigned = store.writer
      .prepare("SELECT task_id AS taskId, MIN(id) AS at FROM decisions WHERE decision = 'assigned' GROUP BY task_id ORDER BY at")
      .all() as { taskId: number }[];
    const rank = (id: number) => {
      const t = store.tasks.get(id)!;
      return (RULES.environment_routing[t.type]?.urgent ? 100 : 0) + t.priority;
    };
    const ranks = firstAssigned.map((r) => rank(r.taskId));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));

    // Preferences: the first bug fix went to its preferred session; any other pick says why the preferred one was passed over.
    const assigned = store.writer.prepare("SELECT task_id AS taskId, session_id AS session, reason FROM decisions WHERE decision = 'assigned' ORDER BY id").all() as { taskId: number; session: string; reason: string }[];
    expect(assigned.find((a) => store.tasks.get(a.taskId)?.type === 'bug_fix')?.session).toBe('dev_worker2');
    for (const a of assigned) {
      const preferred = RULES.environment_routing[store.tasks.get(a.taskId)!.type]!.preferred_sessions[0]!;
      expect(a.session === preferred || a.reason.includes(preferred), a.reason).toBe(true);
    }
    // Every agent that lived worked; every prompt arrived once.
    const received = WORKERS.flatMap((w) => fs.readFileSync(path.join(dir, `${w}.log`), 'utf8').split('\n').filter(Boolean));
    for (let i = 0; i < 20; i++) {
      const prompt = JSON.stringify(`task ${i}: ${i === 4 ? 'LONG ' : ''}${types[i % 3]}`);
      const id = ids[i]!;
      expect(received.filter((p) => p === prompt).length, `${prompt} (#${id}) never reached an agent: its decisions ${JSON.stringify(store.decisions.forTask(id).map((d) => `${d.at} ${d.decision}@${d.sessionId ?? '-'}: ${d.reason}`))}, history ${JSON.stringify(store.tasks.history(id).map((e) => `${e.at} ${e.toStatus}: ${e.reason ?? ''}`))}; the agents got ${JSON.stringify(received)}`).toBeGreaterThanOrEqual(1);
    }
  }, 120_000);
});

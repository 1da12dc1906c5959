import type { TaskStatus } from '../../shared/api.js';
import type { Store } from './store.js';
import { toSqlTime } from './time.js';
import { rebuildDerivedCounts } from './derived-counts.js';
import { isFinishedStatus } from '../../shared/task-status.js';

/** Task types from seed 000 plus the executor kinds the router knows. */
export const SEED_TASK_TYPES = [
  'ui_improvement', 'performance_optimization', 'bug_fix', 'feature_development', 'infrastructure',
  'shell', 'python', 'git', 'deploy', 'claude_task',
] as const;
const PROVIDERS = ['claude', 'codex', 'gemini', 'aider', 'opencode'] as const;
const SESSION_STATES = ['idle', 'working', 'working', 'waiting', 'error', 'unknown'] as const;
/** A queue mostly done, with a real backlog: what a busy week looks like. */
const STATUS_WEIGHTS: ReadonlyArray<[TaskStatus, number]> = [
  ['completed', 55], ['pending', 20], ['in_progress', 6], ['assigned', 3], ['failed', 8], ['cancelled', 5], ['blocked', 3],
];
const WEEK_MS = 7 * 24 * 3600 * 1000;
/** How often progress is reported. */
const PROGRESS_EVERY_ROWS = 20_000;
/** Below this, updating the indexes row by row is cheaper than rebuilding them. */
const BULK_REBUILD_MIN_TASKS = 50_000;

/** mulberry32: tiny, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function pickStatus(random: () => number): TaskStatus {
  let r = random() * 100;
  for (const [status, weight] of STATUS_WEIGHTS) {
    if ((r -= weight) < 0) return status;
  }
  return 'pending';
}

export interface SeedOptions {
  tasks: number;
  sessions: number;
  seed?: number;
  /** Timestamps are spread over the week before this. */
  now?: Date;
  onProgress?: (done: number, total: number) => void;
}

/** Fills the store with realistic, reproducible tasks, sessions, projects and errors. */
export function seedDatabase(store: Store, options: SeedOptions): { tasks: number; sessions: number } {
  const random = seededRandom(options.seed ?? 1);
  const now = (options.now ?? new Date()).getTime();
  const db = store.writer;
  const projects = ['api', 'web', 'infra', 'mobile'].map((n) => store.projects.add(`/srv/projects/${n}`, n));
  const projectIds = projects.map((p) => p.id);
  const sessionNames: string[] = [];

  store.transaction(() => {
    for (let i = 0; i < options.sessions; i++) {
      const provider = pick(random, PROVIDERS);
      const name = `${provider}_worker${i + 1}`;
      const id = `default:%${i + 1}`;
      sessionNames.push(name);
      const project = pick(random, projects);
      store.sessions.upsert({ id, name, server: 'default', provider, cwd: project.path, projectId: project.id, lastHeartbeat: toSqlTime(new Date(now - random() * 120_000)) });
      const state = pick(random, SESSION_STATES);
      store.sessions.recordTransition(id, 'unknown', state, 'seeded', new Date(now - random() * 3_600_000));
    }
  });

  const insert = db.prepare(
    `INSERT INTO tasks(type, title, prompt, priority, status, project_id, assigned_to, created_at, updated_at,
       assigned_at, started_at, completed_at, attempts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertOne = (i: number): void => {
    const type = pick(random, SEED_TASK_TYPES);
    const status = pickStatus(random);
    // In id order over the week, as a real queue grows: ids follow time (and the
    // appends keep the hot pages of a small seed, which is not bulk-built, in cache).
    const created = now - WEEK_MS + ((i + random()) / options.tasks) * WEEK_MS;
    const started = status === 'pending' || status === 'blocked' ? null : created + random() * 600_000;
    const finished = started !== null && isFinishedStatus(status) ? started + random() * 5_400_000 : null;
    const session = started !== null && sessionNames.length > 0 ? pick(random, sessionNames) : null;
    const t = (ms: number | null) => (ms === null ? null : toSqlTime(new Date(Math.min(ms, now))));
    insert.run(
      type, `${type.replace(/_/g, ' ')} #${i + 1}`, `Seeded ${type} task ${i + 1}`,
      Math.floor(random() * 11), status, pick(random, projectIds), session,
      t(created), t(finished ?? started ?? created), t(started), status === 'assigned' ? null : t(started), t(finished),
      status === 'failed' ? 1 + Math.floor(random() * 3) : started === null ? 0 : 1,
    );
  };
  // One transaction for all the tasks: a killed seed leaves nothing half-done, and
  // the indexes and insert triggers of tasks can be set aside and rebuilt once (a
  // sorted index build, one count) instead of maintained a million times.
  const setAside = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'tasks' AND sql IS NOT NULL
       AND (type = 'index' OR (type = 'trigger' AND sql LIKE '%AFTER INSERT ON tasks%'))`,
    )
    .all() as { type: 'index' | 'trigger'; name: string; sql: string }[];
  store.transaction(() => {
    const bulk = options.tasks >= BULK_REBUILD_MIN_TASKS;
    if (bulk) for (const item of setAside) db.exec(`DROP ${item.type.toUpperCase()} "${item.name}"`);
    for (let done = 0; done < options.tasks; ) {
      const end = Math.min(options.tasks, done + PROGRESS_EVERY_ROWS);
      for (let i = done; i < end; i++) insertOne(i);
      done = end;
      options.onProgress?.(done, options.tasks);
    }
    if (bulk) {
      for (const item of setAside) db.exec(item.sql);
      rebuildDerivedCounts(db);
    }
  });

  const errorCount = Math.min(50, Math.ceil(options.tasks / 1000));
  store.transaction(() => {
    for (let i = 0; i < errorCount; i++) {
      store.errors.record(pick(random, ['router', 'tmux', 'sla', 'workflow']), `seeded problem ${i % 17} in ${pick(random, SEED_TASK_TYPES)}`);
    }
  });
  return { tasks: options.tasks, sessions: options.sessions };
}

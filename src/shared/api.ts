// The one contract between the core and every client (Electron renderer, web
// console, tests). Every command and event, its schema and its types live here;
// channel names appear nowhere else. No electron, node or DOM imports.
import { z } from 'zod';
import { UiFile } from './ui-config.js';
import { attentionCommands, attentionEvents, DialogView } from './attention.js';

// ---------------------------------------------------------------- shared shapes

export const ConfigProblem = z.object({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
  message: z.string(),
});
export type ConfigProblem = z.infer<typeof ConfigProblem>;

export const ConfigStatus = z.object({
  ok: z.boolean(),
  /** Hash of the snapshot in force (the last good one when `ok` is false). */
  version: z.string().nullable(),
  env: z.string().nullable(),
  dir: z.string(),
  /** Files that made the snapshot in force, in layering order. */
  files: z.array(z.object({ path: z.string(), layer: z.enum(['base', 'environment', 'local']) })),
  loadedAt: z.string().nullable(),
  /** Problems of the newest attempt; empty when it was applied. */
  errors: z.array(ConfigProblem),
});
export type ConfigStatus = z.infer<typeof ConfigStatus>;

export const SessionState = z.enum(['working', 'idle', 'waiting', 'error', 'exited', 'unknown']);
export type SessionState = z.infer<typeof SessionState>;

/**
 * Why a session is in its state, in detail: `kind` is the reason word (approval,
 * question, trust, auth, api_error, billing, context_limit, limit, retrying, cleared…),
 * `message` what the agent printed (an error's text, a retry line), `resetAt` when a
 * limit resets (ISO, when the agent printed a time), `dialog` the question a waiting
 * agent asks.
 */
export const SessionDetail = z.object({
  kind: z.string(),
  message: z.string().nullable(),
  resetAt: z.string().nullable(),
  /** A waiting agent's dialog as read from its screen (agents.yaml `dialogs:`): the question, what it is about, the options; null otherwise. */
  dialog: DialogView.nullable(),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

/** At most this many characters of a session's command line travel with it (list, deltas); `sessions.argv` has it whole. */
export const SESSION_ARGV_CHARS = 512;

export const Session = z.object({
  /** Stable id: `<server>:<pane id>`, e.g. `default:%12`. */
  id: z.string(),
  /** Name used by routing rules (the tmux session name, or `session.window.pane` when a session holds several agents). */
  name: z.string(),
  server: z.string(),
  session: z.string(),
  windowIndex: z.number().int(),
  paneIndex: z.number().int(),
  paneId: z.string(),
  title: z.string(),
  cwd: z.string(),
  pid: z.number().int(),
  command: z.string(),
  /**
   * The command line, shortened to at most SESSION_ARGV_CHARS characters in all (an
   * argument cut there ends in `…`, the ones after it are left out): an agent started
   * with its prompt as an argument would otherwise make every list and delta carry it.
   * `sessions.argv` has it whole.
   */
  argv: z.array(z.string()),
  /** The whole command line's length in characters (its arguments joined by spaces); more than argv's when argv was shortened. */
  argvLength: z.number().int(),
  /** Agent identified from the process tree, or `shell` / `other`. */
  agent: z.string(),
  state: SessionState,
  /** Why: the waiting or error reason, or the rule that decided. */
  reason: z.string().nullable(),
  /** The reason in detail (message, reset time, dialog), or null. */
  detail: SessionDetail.nullable(),
  width: z.number().int(),
  height: z.number().int(),
  stateSince: z.string().nullable(),
  lastOutputAt: z.string().nullable(),
  excluded: z.boolean(),
  currentTaskId: z.number().int().nullable(),
  /** The last line with text on the agent's screen (null for a pane without an agent). */
  lastLine: z.string().nullable(),
});
export type Session = z.infer<typeof Session>;

export const TaskStatus = z.enum(['pending', 'assigned', 'in_progress', 'completed', 'failed', 'cancelled', 'blocked']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Task = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string(),
  prompt: z.string(),
  priority: z.number().int(),
  status: TaskStatus,
  projectId: z.number().int().nullable(),
  assignedTo: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  assignedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** Dispatches tried so far that did not take (failed deliveries, exits, timeouts). */
  attempts: z.number().int(),
  /** Why the status last changed (a failed task: its last attempt's reason; a blocked one: what it waits on). */
  statusReason: z.string().nullable(),
  /** Why an operator holds it (blocked until released); null when nobody does. */
  holdReason: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskCounts = z.record(TaskStatus, z.number().int());
export type TaskCounts = z.infer<typeof TaskCounts>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  runtime: z.enum(['electron', 'node']),
  transport: z.enum(['ipc', 'websocket', 'direct']),
  nodeVersion: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  dataDir: z.string(),
  dbPath: z.string(),
  configDir: z.string(),
  tmuxServers: z.array(z.string()),
  /** Started with --read-only: every command that changes something is refused. */
  readOnly: z.boolean(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const TaskEvent = z.object({
  at: z.string(),
  from: TaskStatus.nullable(),
  to: TaskStatus,
  reason: z.string().nullable(),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

/** A routing, dispatch or SLA decision with its reason (the `decisions` table). */
export const Decision = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  taskId: z.number().int().nullable(),
  sessionId: z.string().nullable(),
  decision: z.string(),
  reason: z.string(),
});
export type Decision = z.infer<typeof Decision>;

export const SlaLevel = z.enum(['ok', 'warning', 'critical']);
export type SlaLevel = z.infer<typeof SlaLevel>;

export const TaskSla = z.object({
  targetMinutes: z.number(),
  elapsedMinutes: z.number(),
  percentUsed: z.number(),
  level: SlaLevel,
  /** highlight_task color from sla_rules.yaml, when an escalation rule set one. */
  highlight: z.string().nullable(),
});
export type TaskSla = z.infer<typeof TaskSla>;

export const TaskRow = Task.extend({ sla: TaskSla.nullable() });
export type TaskRow = z.infer<typeof TaskRow>;

export const TaskSortField = z.enum(['id', 'type', 'title', 'status', 'priority', 'created_at', 'updated_at', 'assigned_to']);

export const SessionEvent = z.object({
  sessionId: z.string(),
  at: z.string(),
  from: SessionState.nullable(),
  to: SessionState,
  reason: z.string().nullable(),
});
export type SessionEvent = z.infer<typeof SessionEvent>;

export const Alert = z.object({
  id: z.number().int(),
  taskId: z.number().int().nullable(),
  kind: z.string(),
  level: z.string(),
  message: z.string(),
  channels: z.array(z.string()),
  createdAt: z.string(),
  acknowledgedAt: z.string().nullable(),
});
export type Alert = z.infer<typeof Alert>;

export const ErrorEntry = z.object({
  id: z.number().int(),
  source: z.string(),
  sessionId: z.string().nullable(),
  taskId: z.number().int().nullable(),
  message: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number().int(),
  resolved: z.boolean(),
});
export type ErrorEntry = z.infer<typeof ErrorEntry>;

export const Project = z.object({
  id: z.number().int(),
  name: z.string(),
  path: z.string(),
  createdAt: z.string(),
  health: z.enum(['healthy', 'degraded', 'unhealthy']),
  healthReason: z.string(),
  sessions: z.number().int(),
  openTasks: z.number().int(),
});
export type Project = z.infer<typeof Project>;

export const QueryInfo = z.object({
  name: z.string(),
  description: z.string(),
  params: z.array(z.object({ name: z.string(), type: z.string(), required: z.boolean(), default: z.unknown().optional() })),
  cacheTtl: z.number(),
  stats: z.object({ calls: z.number(), cacheHits: z.number(), avgMs: z.number(), maxMs: z.number(), lastError: z.string().nullable() }),
});
export type QueryInfo = z.infer<typeof QueryInfo>;

export const QueryResult = z.object({
  query: z.string(),
  results: z.array(z.record(z.string(), z.unknown())),
  count: z.number().int(),
  cached: z.boolean(),
  ms: z.number(),
});
export type QueryResult = z.infer<typeof QueryResult>;

export const RouteDecision = z.object({
  taskId: z.number().int(),
  taskType: z.string(),
  kind: z.enum(['assign', 'queued', 'skipped']),
  session: z.string().nullable(),
  reason: z.string(),
});
export type RouteDecision = z.infer<typeof RouteDecision>;

export const WorkflowInfo = z.object({
  name: z.string(),
  description: z.string(),
  trigger: z.string(),
  steps: z.array(z.object({ id: z.string(), type: z.string() })),
});
export type WorkflowInfo = z.infer<typeof WorkflowInfo>;

export const WorkflowRun = z.object({
  id: z.number().int(),
  workflow: z.string(),
  status: z.string(),
  trigger: z.string(),
  currentStep: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  input: z.record(z.string(), z.unknown()),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;

export const WorkflowStepRecord = z.object({
  step: z.string(),
  seq: z.number().int(),
  attempt: z.number().int(),
  status: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type WorkflowStepRecord = z.infer<typeof WorkflowStepRecord>;

export const TableRows = z.object({
  name: z.string(),
  /** Where the rows come from: `query NAME` or `table NAME`. */
  source: z.string(),
  rows: z.array(z.record(z.string(), z.unknown())),
  /** Rows matching the search and filters, over all pages. */
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type TableRows = z.infer<typeof TableRows>;

/** ui_config.yaml as validated: the config engine's own schema (ui-config.ts), defaults applied. */
export const UiConfig = UiFile;
export type UiConfig = z.infer<typeof UiFile>;

interface CommandSpec {
  params: z.ZodType;
  result: z.ZodType;
  /** The command changes something (the queue, the config, a pane): refused on a --read-only console. */
  changes?: true;
}

const NoParams = z.object({}).strict().default({});
/** Free-form input (query params, workflow input) is kept small: it is stored and logged. */
const MAX_FREE_FORM_JSON_CHARS = 64 * 1024;
const FreeForm = z.record(z.string().max(100), z.unknown()).refine(
  (v) => {
    try {
      return JSON.stringify(v).length <= MAX_FREE_FORM_JSON_CHARS;
    } catch {
      return false; // too deep to write down
    }
  },
  { message: `at most ${MAX_FREE_FORM_JSON_CHARS} characters as JSON` },
);
const Id = z.number().int().positive();
const ConfigPath = z.string().min(1).max(300);
const TerminalId = z.string().min(1).max(64);
const Ok = z.object({ ok: z.literal(true) });
/** A new task: what tasks.create takes, and each item of tasks.createMany. */
const NewTask = z
  .object({
    type: z.string().min(1).max(100),
    title: z.string().min(1).max(500),
    prompt: z.string().min(1).max(100_000),
    priority: z.number().int().min(0).max(10).optional(),
    project: z.string().max(1000).optional(),
    /** Task ids it waits on: blocked until every one completed. */
    dependsOn: z.array(Id).max(100).optional(),
  })
  .strict();
/** One unit of work holds a tasks.createMany batch (and an `architect tasks add --from` file). */
export const MAX_TASKS_PER_BATCH = 10_000;

// ---------------------------------------------------------------- commands

export const commands = {
  'app.info': { params: NoParams, result: AppInfo },

  'config.status': { params: NoParams, result: ConfigStatus },
  'config.ui': { params: NoParams, result: z.object({ version: z.string().nullable(), ui: UiConfig }) },
  /** The JSON Schema of each config file (for editor completion), by file key. */
  'config.schemas': { params: NoParams, result: z.object({ schemas: z.record(z.string(), z.unknown()) }) },
  'config.files': {
    params: NoParams,
    result: z.object({ files: z.array(z.object({ path: z.string(), layer: z.enum(['base', 'environment', 'local']), exists: z.boolean() })) }),
  },
  'config.read': {
    params: z.object({ path: ConfigPath }).strict(),
    /** `hash` names the text read (null: no such file yet); config.save sends it back as `expectedHash`. */
    result: z.object({ path: z.string(), text: z.string(), hash: z.string().nullable(), problems: z.array(ConfigProblem) }),
  },
  'config.validate': {
    params: z.object({ path: ConfigPath, text: z.string().max(2_000_000) }).strict(),
    result: z.object({ problems: z.array(ConfigProblem) }),
  },
  'config.save': {
    /** With `expectedHash` (from config.read), a file changed on disk meanwhile is not overwritten. */
    params: z
      .object({ path: ConfigPath, text: z.string().max(2_000_000), force: z.boolean().default(false), expectedHash: z.string().max(100).nullable().optional() })
      .strict(),
    /** `hash`: what is on disk now (the saved text when saved), for the next save's `expectedHash`. */
    result: z.object({ saved: z.boolean(), problems: z.array(ConfigProblem), hash: z.string().nullable() }),
    changes: true,
  },

  'sessions.list': { params: NoParams, result: z.object({ sessions: z.array(Session) }) },
  'sessions.history': {
    params: z.object({ id: z.string().min(1).max(300), limit: z.number().int().min(1).max(10_000).default(200) }).strict(),
    result: z.object({ events: z.array(SessionEvent) }),
  },
  'sessions.timeline': {
    params: z.object({ hours: z.number().min(0.1).max(168).default(6) }).strict().default({ hours: 6 }),
    result: z.object({ since: z.string(), events: z.array(SessionEvent) }),
  },
  'sessions.explain': { params: z.object({ id: z.string().min(1).max(300) }).strict(), result: z.object({ text: z.string() }) },
  /** A session's whole command line (a listed session's `argv` is shortened past SESSION_ARGV_CHARS). */
  'sessions.argv': { params: z.object({ id: z.string().min(1).max(300) }).strict(), result: z.object({ argv: z.array(z.string()) }) },

  /**
   * The events this client wants pushed (the page's listeners): from then on only
   * those reach it. A client that never subscribes gets every event.
   */
  'events.subscribe': { params: z.object({ events: z.array(z.string().max(100)).max(100) }).strict(), result: Ok },

  /**
   * A live view of a pane, owned by the caller that opened it (closed when that
   * client goes away). The view takes the pane's size; it never resizes the pane.
   */
  'terminal.open': {
    params: z.object({ sessionId: z.string().min(1).max(300) }).strict(),
    result: z.object({ terminalId: TerminalId, cols: z.number().int(), rows: z.number().int() }),
  },
  'terminal.input': { params: z.object({ terminalId: TerminalId, data: z.string().max(65_536) }).strict(), result: Ok, changes: true },
  'terminal.ack': { params: z.object({ terminalId: TerminalId, bytes: z.number().int().min(0).max(1_000_000_000) }).strict(), result: Ok },
  'terminal.close': { params: z.object({ terminalId: TerminalId }).strict(), result: Ok },

  'tasks.list': {
    params: z
      .object({
        status: TaskStatus.optional(),
        type: z.string().max(100).optional(),
        search: z.string().max(200).optional(),
        sort: z.object({ field: TaskSortField, order: z.enum(['asc', 'desc']) }).strict().optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ limit: 100, offset: 0 }),
    result: z.object({ tasks: z.array(TaskRow), total: z.number().int(), counts: TaskCounts }),
  },
  'tasks.get': {
    params: z.object({ id: Id }).strict(),
    result: z.object({
      task: TaskRow,
      history: z.array(TaskEvent),
      decisions: z.array(Decision),
      /** The tasks this one waits on (depends_on), with where each stands. */
      dependsOn: z.array(z.object({ id: z.number().int(), title: z.string(), status: TaskStatus })),
      /** routing_rules.yaml's max_attempts for its type. */
      maxAttempts: z.number().int(),
    }),
  },
  'tasks.create': {
    params: NewTask,
    result: Task,
    changes: true,
  },
  /**
   * Many tasks at once, all or none, in one unit of work (one commit; on a shared queue
   * one NOTIFY): a backlog from a script. An item the store refuses adds nothing and is
   * named (`tasks[3]: …`).
   */
  'tasks.createMany': {
    params: z.object({ tasks: z.array(NewTask).min(1).max(MAX_TASKS_PER_BATCH) }).strict(),
    result: z.object({ tasks: z.array(Task) }),
    changes: true,
  },
  /** Task types the config knows (routing rules and SLA targets), with their defaults. */
  'tasks.types': {
    params: NoParams,
    result: z.object({
      types: z.array(z.object({ name: z.string(), priority: z.number().int().nullable(), targetMinutes: z.number().nullable(), description: z.string().nullable() })),
    }),
  },
  'tasks.cancel': { params: z.object({ id: Id, reason: z.string().max(500).optional() }).strict(), result: Task, changes: true },
  'tasks.retry': { params: z.object({ id: Id }).strict(), result: Task, changes: true },
  'tasks.setPriority': { params: z.object({ id: Id, priority: z.number().int().min(0).max(10) }).strict(), result: Task, changes: true },
  /** Blocks an open task until released (taken back from its session if one holds it). */
  'tasks.hold': { params: z.object({ id: Id, reason: z.string().max(500).optional() }).strict(), result: Task, changes: true },
  /** Ends an operator's hold: pending again, or still blocked while it waits on other tasks. */
  'tasks.release': { params: z.object({ id: Id }).strict(), result: Task, changes: true },

  'route.dryRun': { params: NoParams, result: z.object({ decisions: z.array(RouteDecision) }) },

  'query.list': { params: NoParams, result: z.object({ queries: z.array(QueryInfo) }) },
  'query.run': {
    params: z.object({ name: z.string().min(1).max(100), params: FreeForm.default({}) }).strict(),
    result: QueryResult,
  },

  /** A ui_config.yaml table (other than tasks): one page of the rows of its query or database table. */
  'tables.rows': {
    params: z
      .object({
        name: z.string().min(1).max(100),
        page: z.number().int().min(0).max(1_000_000).default(0),
        search: z.string().max(200).optional(),
        sort: z.object({ field: z.string().min(1).max(100), order: z.enum(['asc', 'desc']) }).strict().optional(),
        /** Column → text its value must contain (the table's enable_filters). */
        filters: z.record(z.string().max(100), z.string().max(200)).optional(),
      })
      .strict(),
    result: TableRows,
  },

  'alerts.list': {
    params: z.object({ includeAcknowledged: z.boolean().default(false), limit: z.number().int().min(1).max(1000).default(100) }).strict().default({ includeAcknowledged: false, limit: 100 }),
    result: z.object({ alerts: z.array(Alert) }),
  },
  'alerts.ack': { params: z.object({ id: Id }).strict(), result: Ok, changes: true },

  'errors.list': {
    params: z.object({ includeResolved: z.boolean().default(false) }).strict().default({ includeResolved: false }),
    result: z.object({ errors: z.array(ErrorEntry) }),
  },
  'errors.resolve': { params: z.object({ id: Id }).strict(), result: Ok, changes: true },

  'projects.list': { params: NoParams, result: z.object({ projects: z.array(Project) }) },
  'projects.add': { params: z.object({ path: z.string().min(1).max(1000), name: z.string().max(200).optional() }).strict(), result: Project, changes: true },

  'workflows.list': { params: NoParams, result: z.object({ workflows: z.array(WorkflowInfo) }) },
  'workflows.runs': {
    params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict().default({ limit: 100 }),
    result: z.object({ runs: z.array(WorkflowRun) }),
  },
  'workflows.getRun': { params: z.object({ id: Id }).strict(), result: z.object({ run: WorkflowRun, steps: z.array(WorkflowStepRecord) }) },
  'workflows.start': {
    params: z.object({ name: z.string().min(1).max(100), input: FreeForm.default({}) }).strict(),
    result: z.object({ runId: z.number().int() }),
    changes: true,
  },
  'workflows.cancel': { params: z.object({ id: Id }).strict(), result: Ok, changes: true },

  ...attentionCommands,
} as const satisfies Record<string, CommandSpec>;

// ---------------------------------------------------------------- events

export const events = {
  'config.changed': ConfigStatus,
  'sessions.changed': z.object({ sessions: z.array(Session) }),
  'sessions.transition': SessionEvent,
  /** What changed since the last one: sessions new or different (whole), and the ids of those gone. */
  /** `upserted`: sessions new to the list, whole; `changed`: for a listed session, its id and the fields that changed; `removed`: ids gone. */
  'sessions.delta': z.object({ upserted: z.array(Session), changed: z.array(Session.partial().extend({ id: z.string() })), removed: z.array(z.string()) }),
  'tasks.changed': z.object({ total: z.number().int(), counts: TaskCounts }),
  'terminal.data': z.object({ terminalId: TerminalId, data: z.string() }),
  'terminal.exit': z.object({ terminalId: TerminalId, reason: z.string() }),
  /** The pane was resized in tmux: the view follows (the screen is repainted after it). */
  'terminal.resized': z.object({ terminalId: TerminalId, cols: z.number().int(), rows: z.number().int() }),
  'alerts.changed': z.object({ open: z.number().int(), latest: Alert.nullable() }),
  'errors.changed': z.object({ open: z.number().int() }),
  'workflows.changed': z.object({ runId: z.number().int(), status: z.string() }),
  ...attentionEvents,
} as const satisfies Record<string, z.ZodType>;

// ---------------------------------------------------------------- derived types

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;
/** What a caller may send (defaults not yet applied). */
export type CommandInput<N extends CommandName> = z.input<(typeof commands)[N]['params']>;
/** What a handler receives (parsed, defaults applied). */
export type CommandParams<N extends CommandName> = z.output<(typeof commands)[N]['params']>;
export type CommandResult<N extends CommandName> = z.output<(typeof commands)[N]['result']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/**
 * Who calls a command: one WebSocket connection or one desktop window. Terminals
 * belong to the caller that opened them; a caller gone closes what it owned.
 */
export interface Caller {
  /** Unique per connection (per page load in the desktop app). */
  readonly id: string;
  /** The console runs with --read-only: commands that change something are refused. */
  readonly readOnly: boolean;
  /** Pushes an event to this caller only (a terminal's output goes to its viewer, nobody else). */
  notify<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Runs `fn` once when the caller goes away (socket closed, page reloaded, window closed). */
  onGone(fn: () => void): void;
  /** Only these events are pushed to this caller from now on (transports that can filter). */
  subscribe?(events: readonly EventName[]): void;
}

/**
 * The core implements one of these per command; a missing one is a type error.
 * `caller` is absent for calls from inside the core (tests, workflows).
 */
export type Handlers = {
  [N in CommandName]: (params: CommandParams<N>, caller?: Caller) => Promise<CommandResult<N>> | CommandResult<N>;
};

/** Whether a command changes something (refused by a --read-only console). */
export function changes(name: CommandName): boolean {
  const spec: CommandSpec = commands[name];
  return spec.changes === true;
}

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

// ---------------------------------------------------------------- the window API

type Namespace<N> = N extends `${infer A}.${string}` ? A : never;
type Member<N, A extends string> = N extends `${A}.${infer B}` ? B : never;

/** `window.architect`: one function per command (`architect.tasks.list({...})`) plus `on`. */
export type ArchitectApi = {
  [A in Namespace<CommandName>]: {
    [N in CommandName as Member<N, A>]: (params?: CommandInput<N>) => Promise<CommandResult<N>>;
  };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** A failure a client can show as is: a message plus where it came from. */
export interface ApiErrorShape {
  /** `read_only`: refused by a --read-only console; `conflict`: the thing changed since it was read. */
  code: 'invalid_params' | 'unknown_command' | 'failed' | 'unavailable' | 'read_only' | 'conflict';
  message: string;
}

/**
 * Builds the window API from two transport primitives. Used by the preload (IPC)
 * and the browser bridge (WebSocket), so both expose exactly the same object.
 */
export function buildArchitectApi(
  invoke: (name: CommandName, params: unknown) => Promise<unknown>,
  subscribe: (event: EventName, listener: (payload: unknown) => void) => () => void,
): ArchitectApi {
  const api: Record<string, Record<string, (params?: unknown) => Promise<unknown>>> = {};
  for (const name of commandNames) {
    const [ns, member] = splitName(name);
    api[ns] ??= {};
    api[ns][member] = (params?: unknown) => invoke(name, params ?? {});
  }
  const on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!isEventName(event)) throw new Error(`unknown event "${String(event)}"`);
    return subscribe(event, listener);
  };
  return Object.freeze({ ...api, on }) as unknown as ArchitectApi;
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

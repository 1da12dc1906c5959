import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { ConfigProblem, ConfigStatus } from '../../shared/api.js';
import type { EventBus } from '../events/bus.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { ConfigConflictError, contentHash, editableLayer, editablePath, writeAtomic } from './edit.js';
import { LastGoodConfig } from './last-good.js';
import { BASE_DIR, ENVIRONMENTS_DIR, LOCAL_OVERRIDES, type Layer } from './files.js';
import { loadConfig, type LoadResult } from './load.js';
import type { ConfigFileRef, ConfigSnapshot, ConfigValidator } from './snapshot.js';

/** Editors write a file in bursts (truncate, write, rename); one reload per burst. */
const RELOAD_DEBOUNCE_MS = 50;

export interface ConfigServiceOptions {
  dir: string;
  env: string | null;
  logger?: Logger;
  /** When given, every load attempt is published as `config.changed`. */
  bus?: EventBus;
  validators?: readonly ConfigValidator[];
  debounceMs?: number;
  /** Where to keep a copy of the last good config, for a start whose config is broken (last-good.ts). */
  lastGoodDir?: string;
}

export type SnapshotListener = (snapshot: ConfigSnapshot) => void;

export interface EditableFile extends ConfigFileRef {
  exists: boolean;
}

/** The config in force: loads, watches, validates whole, swaps atomically, publishes. */
export class ConfigService {
  readonly dir: string;
  private readonly env: string | null;
  private readonly logger: Logger;
  private readonly validators: ConfigValidator[];
  private readonly listeners = new Set<SnapshotListener>();
  private current: ConfigSnapshot | null = null;
  private errors: ConfigProblem[] = [];
  private lastFiles: ConfigFileRef[] = [];
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly lastGood: LastGoodConfig | null;

  constructor(private readonly options: ConfigServiceOptions) {
    this.dir = path.resolve(options.dir);
    this.env = options.env;
    this.logger = (options.logger ?? silentLogger).child({ subsystem: 'config' });
    this.validators = [...(options.validators ?? [])];
    this.lastGood = options.lastGoodDir ? new LastGoodConfig(options.lastGoodDir, this.dir, this.env) : null;
  }

  /** Loads and starts watching; resolves to stop(). A bad initial config is reported in status(), not thrown. */
  async start(): Promise<() => Promise<void>> {
    const first = this.reload();
    if (!first.ok) this.startFromLastGood();
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      ignored: (p: string) => path.basename(p).startsWith('.') && p !== this.dir,
    });
    this.watcher = watcher;
    watcher.on('all', (_event, file) => {
      if (/\.ya?ml$/.test(file)) this.scheduleReload();
    });
    watcher.on('error', (e) => this.logger.error('watching the config folder failed', { error: e instanceof Error ? e : String(e) }));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
  }

  snapshot(): ConfigSnapshot | null {
    return this.current;
  }

  /** Called synchronously, in the tick the new snapshot is swapped in. */
  subscribe(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers a check run on every load; any problem it returns blocks the swap. */
  addValidator(validator: ConfigValidator): () => void {
    this.validators.push(validator);
    return () => {
      const i = this.validators.indexOf(validator);
      if (i !== -1) this.validators.splice(i, 1);
    };
  }

  status(): ConfigStatus {
    const c = this.current;
    return {
      ok: this.errors.length === 0 && c !== null,
      version: c?.version ?? null,
      env: this.env,
      dir: this.dir,
      files: (c?.files ?? this.lastFiles).map((f) => ({ ...f })),
      loadedAt: c?.loadedAt ?? null,
      errors: this.errors.map((p) => ({ ...p })),
    };
  }

  /** Loads the whole config now; swaps it in when valid. */
  reload(): LoadResult {
    const result = loadConfig({ dir: this.dir, env: this.env, validators: this.validators });
    this.lastFiles = result.files;
    if (!result.ok) {
      this.errors = result.problems;
      for (const p of result.problems) this.logger.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
      this.logger.warn('config not applied; keeping the last good version', { version: this.current?.version ?? null, problems: result.problems.length });
      this.options.bus?.emit('config.changed', this.status());
      return result;
    }
    const changed = result.snapshot.version !== this.current?.version;
    const hadErrors = this.errors.length > 0;
    this.errors = [];
    if (!changed) {
      if (hadErrors) this.options.bus?.emit('config.changed', this.status());
      return result;
    }
    this.current = result.snapshot;
    this.logger.info('config applied', { version: result.snapshot.version, files: result.files.length });
    this.keepAsLastGood(result.texts);
    this.publish(result.snapshot);
    return result;
  }

  private publish(snapshot: ConfigSnapshot): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (e) {
        this.logger.error('a config subscriber failed', { error: e instanceof Error ? e : String(e) });
      }
    }
    this.options.bus?.emit('config.changed', this.status());
  }

  listFiles(): EditableFile[] {
    const out: EditableFile[] = [];
    const add = (folder: string, layer: Layer): void => {
      let names: string[] = [];
      try {
        names = fs.readdirSync(path.join(this.dir, folder)).filter((n) => n.endsWith('.yaml')).sort();
      } catch {
        // A missing layer folder just has no files.
      }
      for (const n of names) out.push({ path: `${folder}/${n}`, layer, exists: true });
    };
    add(BASE_DIR, 'base');
    add(ENVIRONMENTS_DIR, 'environment');
    out.push({ path: LOCAL_OVERRIDES, layer: 'local', exists: fs.existsSync(path.join(this.dir, LOCAL_OVERRIDES)) });
    return out;
  }

  /**
   * A file's text ('' for a local override not yet written), a hash naming that text
   * (null: no such file) for saveFile's lost-update check, and its newest problems.
   */
  readFile(relPath: string): { path: string; text: string; hash: string | null; problems: ConfigProblem[] } {
    const rel = editablePath(relPath);
    const abs = path.join(this.dir, rel);
    const text = this.textOnDisk(rel);
    return { path: rel, text: text ?? '', hash: contentHash(text), problems: this.errors.filter((p) => p.file === abs) };
  }

  /**
   * Every problem the whole config would have if `text` were saved at `relPath`. An
   * environment file is checked as that environment's config, whichever one runs.
   */
  validateDraft(relPath: string, text: string): ConfigProblem[] {
    const rel = editablePath(relPath);
    const env = editableLayer(rel) === 'environment' ? path.basename(rel, '.yaml') : this.env;
    const result = loadConfig({ dir: this.dir, env, drafts: new Map([[rel, text]]), validators: this.validators });
    return result.ok ? [] : result.problems;
  }

  /**
   * Validates, then writes atomically and applies; an invalid draft is written only
   * with `force`. With `expectedHash` (from readFile) a file changed on disk since
   * is not overwritten: ConfigConflictError.
   */
  saveFile(relPath: string, text: string, opts: { force?: boolean; expectedHash?: string | null } = {}): { saved: boolean; problems: ConfigProblem[]; hash: string | null } {
    const rel = editablePath(relPath);
    if (opts.expectedHash !== undefined && contentHash(this.textOnDisk(rel)) !== opts.expectedHash) {
      throw new ConfigConflictError(`${rel} changed on disk since it was read: read it again (your text is not saved)`);
    }
    const problems = this.validateDraft(rel, text);
    if (problems.length > 0 && !opts.force) return { saved: false, problems, hash: contentHash(this.textOnDisk(rel)) };
    writeAtomic(path.join(this.dir, rel), text);
    this.logger.info('config file saved', { file: rel, forced: problems.length > 0 });
    this.reload();
    return { saved: true, problems, hash: contentHash(text) };
  }

  private textOnDisk(rel: string): string | null {
    try {
      return fs.readFileSync(path.join(this.dir, rel), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private keepAsLastGood(texts: ReadonlyMap<string, string>): void {
    try {
      this.lastGood?.save(texts);
    } catch (err) {
      this.logger.warn('could not keep a copy of the config in force', { dir: this.lastGood?.dir, error: err instanceof Error ? err : String(err) });
    }
  }

  /** The config on disk is broken at start: run the copy of the last good one, and show the problems. */
  private startFromLastGood(): void {
    const result = this.lastGood?.load(this.env, this.validators);
    if (!result?.ok) return;
    this.current = result.snapshot;
    this.logger.warn('the config on disk has problems: running the last good config until they are fixed', { version: result.snapshot.version });
    this.publish(result.snapshot);
  }

  private scheduleReload(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.watcher) return;
      try {
        this.reload();
      } catch (err) {
        // Whatever a file on disk holds, the console keeps running on the last good config.
        this.logger.error('reloading the config failed; the last good config stays', { error: err instanceof Error ? err : String(err) });
      }
    }, this.options.debounceMs ?? RELOAD_DEBOUNCE_MS);
  }
}

// `architect hooks install --agent A --write | --remove`: merges Architect's hooks into
// the agent's own settings file (or takes them out again). The file is the user's: a
// backup is written before any change, hooks Architect did not write are kept as they
// are, and running it twice changes nothing the second time.
import fs from 'node:fs';
import path from 'node:path';
import { hookSnippet, type HookAgent } from './snippets.js';

/** Architect's own hook commands, whatever path or data dir they start the CLI with. */
const OURS = /\bhooks emit --agent (?:claude|codex|gemini)\b|"hooks",\s*"emit",\s*"--agent",\s*"(?:claude|codex|gemini)"/;

export interface InstallResult {
  file: string;
  /** false: the file already said this (nothing written). */
  changed: boolean;
  /** Where the previous file was copied, when there was one and it changed. */
  backup: string | null;
  action: 'installed' | 'already installed' | 'removed' | 'not installed';
}

/** The agent's settings file under `home`. */
export function settingsFile(agent: HookAgent, home: string): string {
  if (agent === 'claude') return path.join(home, '.claude', 'settings.json');
  if (agent === 'gemini') return path.join(home, '.gemini', 'settings.json');
  return path.join(home, '.codex', 'config.toml');
}

export function installHooks(agent: HookAgent, base: string, opts: { home: string; remove?: boolean; now?: Date }): InstallResult {
  const file = settingsFile(agent, opts.home);
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const after = agent === 'codex' ? codexConfig(before, base, opts.remove ?? false, file) : jsonSettings(agent, before, base, opts.remove ?? false, file);
  const action = opts.remove ? (after === before ? 'not installed' : 'removed') : after === before ? 'already installed' : 'installed';
  if (after === before || after === null) return { file, changed: false, backup: null, action };
  let backup: string | null = null;
  if (before !== null) {
    backup = `${file}.architect-backup-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    fs.copyFileSync(file, backup);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written beside and renamed over: a crash never leaves half a settings file.
  const tmp = `${file}.architect-tmp`;
  fs.writeFileSync(tmp, after, { mode: before === null ? 0o600 : fs.statSync(file).mode & 0o777 });
  fs.renameSync(tmp, file);
  return { file, changed: true, backup, action };
}

type Json = Record<string, unknown>;

interface HookGroup {
  matcher?: string;
  hooks?: Array<{ type?: string; command?: string }>;
}

const isOurs = (g: HookGroup): boolean => Array.isArray(g.hooks) && g.hooks.some((h) => typeof h.command === 'string' && OURS.test(h.command));

function jsonSettings(agent: HookAgent, before: string | null, base: string, remove: boolean, file: string): string | null {
  let settings: Json = {};
  if (before !== null && before.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(before);
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}): fix it first; nothing was changed`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} is not a JSON object: nothing was changed`);
    settings = parsed as Json;
  }
  const existing = settings.hooks;
  if (existing !== undefined && (typeof existing !== 'object' || existing === null || Array.isArray(existing))) {
    throw new Error(`${file}: "hooks" is not an object: nothing was changed`);
  }
  const hooks: Record<string, HookGroup[]> = { ...((existing ?? {}) as Record<string, HookGroup[]>) };
  // Take ours out everywhere first: an update replaces them, a removal is just this.
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    const kept = groups.filter((g) => !isOurs(g));
    if (kept.length === 0) delete hooks[event];
    else hooks[event] = kept;
  }
  if (!remove) {
    const wanted = (JSON.parse(hookSnippet(agent, base).text) as { hooks: Record<string, HookGroup[]> }).hooks;
    for (const [event, groups] of Object.entries(wanted)) hooks[event] = [...(hooks[event] ?? []), ...groups];
  }
  const next: Json = { ...settings };
  if (Object.keys(hooks).length === 0) delete next.hooks;
  else next.hooks = hooks;
  if (before === null && remove) return null;
  const text = JSON.stringify(next, null, 2) + '\n';
  // Same content (whatever the formatting was): no write, no backup.
  if (before !== null && before.trim() !== '' && JSON.stringify(JSON.parse(before)) === JSON.stringify(next)) return before;
  return text;
}

function codexConfig(before: string | null, base: string, remove: boolean, file: string): string | null {
  const lines = (before ?? '').split('\n');
  const wanted = hookSnippet('codex', base).text;
  const firstTable = lines.findIndex((l) => /^\s*\[/.test(l));
  const topEnd = firstTable < 0 ? lines.length : firstTable;
  const notifyAt = lines.findIndex((l, i) => i < topEnd && /^\s*notify\s*=/.test(l));
  if (notifyAt >= 0 && !OURS.test(lines[notifyAt] ?? '')) {
    if (remove) return before;
    throw new Error(`${file} already has a notify program (line ${notifyAt + 1}: ${lines[notifyAt]!.trim()}); Codex runs only one, and Architect does not replace yours: nothing was changed`);
  }
  if (remove) {
    if (notifyAt < 0) return before;
    return lines.filter((_, i) => i !== notifyAt).join('\n');
  }
  if (notifyAt >= 0) {
    if (lines[notifyAt] === wanted) return before;
    return lines.map((l, i) => (i === notifyAt ? wanted : l)).join('\n');
  }
  // At the top level: the first line (after a [table] it would belong to that table).
  if (before === null || before === '') return wanted + '\n';
  return [wanted, ...lines].join('\n');
}

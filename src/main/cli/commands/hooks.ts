import { parseArgs } from 'node:util';
import { appendHookEvent, HOOK_STATES, hooksFilePath, isWatchedServer, serverFromTmuxEnv, type HookState } from '../../hooks/events.js';
import { installHooks } from '../../hooks/install.js';
import { HOOK_AGENTS, hookSnippet, type HookAgent } from '../../hooks/snippets.js';
import { defaultDataDir } from '../../paths.js';
import { EXIT_OK, UsageError, type CliCommand } from '../command.js';

const USAGE = `Usage: architect hooks install --agent claude|codex|gemini [--command CMD] [--write | --remove] [--home DIR]
       architect hooks emit --agent NAME --state STATE [--reason R] [--event E] [--data-dir DIR] [--json-reply] [PAYLOAD]
  install  prints the hook configuration to paste into the agent's settings (no file is changed).
           --command: how the agent should start this CLI (default "architect").
           --write: merges it into the agent's settings file instead (~/.claude/settings.json,
           ~/.codex/config.toml, ~/.gemini/settings.json under --home, default $HOME): a
           backup first (FILE.architect-backup-TIME), your own hooks kept, nothing written
           when it is already there. --remove takes Architect's hooks out again.
  emit     what the hooks run: appends one event for the pane in $TMUX_PANE to
           <data dir>/hooks/events.jsonl, which the session monitor follows.
           STATE is one of ${HOOK_STATES.join(', ')}. Always exits 0 so a hook never
           disturbs the agent; problems go to stderr. PAYLOAD (Codex notify's JSON) is ignored.
           Outside tmux, or in a tmux server no Architect watches, it does nothing (silently):
           hooks installed globally never disturb other terminals.`;

export const hooksCommand: CliCommand = {
  name: 'hooks',
  summary: 'Agent hooks: print their configuration, or report an agent event',
  usage: USAGE,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        strict: true,
        allowPositionals: true,
        options: {
          agent: { type: 'string' },
          state: { type: 'string' },
          reason: { type: 'string' },
          event: { type: 'string' },
          command: { type: 'string' },
          'data-dir': { type: 'string' },
          'json-reply': { type: 'boolean' },
          json: { type: 'boolean' },
          write: { type: 'boolean' },
          remove: { type: 'boolean' },
          home: { type: 'string' },
        },
      });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    const [sub, ...rest] = positionals;

    if (sub === 'install') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`);
      const agent = values.agent as HookAgent | undefined;
      if (!agent || !HOOK_AGENTS.includes(agent)) throw new UsageError(`--agent must be one of ${HOOK_AGENTS.join(', ')}\n${USAGE}`);
      let base = values.command ?? 'architect';
      // A data folder other than the default must be named, or the hooks write where nobody reads.
      if (ctx.globals.dataDir !== defaultDataDir({ ...process.env, ARCHITECT_DATA_DIR: '' })) base += ` --data-dir ${ctx.globals.dataDir}`;
      if (values.write && values.remove) throw new UsageError(`--write and --remove do opposite things: give one\n${USAGE}`);
      if (values.write || values.remove) {
        const home = values.home ?? process.env.HOME ?? '';
        if (!home) throw new UsageError(`no home folder: give --home DIR\n${USAGE}`);
        const result = installHooks(agent, base, { home, remove: Boolean(values.remove) });
        if (values.json || ctx.globals.json) ctx.stdout.write(JSON.stringify({ ...result, eventsFile: hooksFilePath(ctx.globals.dataDir) }, null, 2) + '\n');
        else ctx.stdout.write(`${result.file}: ${result.action}${result.backup ? ` (the previous file is ${result.backup})` : ''}\n`);
        return EXIT_OK;
      }
      const snippet = hookSnippet(agent, base);
      if (values.json || ctx.globals.json) {
        ctx.stdout.write(JSON.stringify({ ...snippet, eventsFile: hooksFilePath(ctx.globals.dataDir) }, null, 2) + '\n');
        return EXIT_OK;
      }
      ctx.stdout.write(
        [`# Paste into ${snippet.file}:`, snippet.text, '', ...snippet.notes.map((n) => `# ${n}`), `# Events go to ${hooksFilePath(ctx.globals.dataDir)}.`, ''].join('\n'),
      );
      return EXIT_OK;
    }

    if (sub === 'emit') {
      if (rest.length > 1) throw new UsageError(`emit takes at most one PAYLOAD argument\n${USAGE}`);
      const state = values.state as HookState | undefined;
      if (!state || !HOOK_STATES.includes(state)) throw new UsageError(`--state must be one of ${HOOK_STATES.join(', ')}\n${USAGE}`);
      if (values['json-reply']) ctx.stdout.write('{}\n');
      const pane = process.env.TMUX_PANE;
      const server = serverFromTmuxEnv(process.env.TMUX);
      if (!pane || !server) {
        ctx.stderr.write('architect hooks emit: not inside tmux ($TMUX_PANE is not set): nothing recorded\n');
        return EXIT_OK;
      }
      const dataDir = values['data-dir'] ?? ctx.globals.dataDir;
      // A hook installed globally runs in every terminal: only panes of a tmux server an
      // Architect watches (listed when it started following hooks) are recorded.
      if (!isWatchedServer(dataDir, server)) return EXIT_OK;
      try {
        appendHookEvent(dataDir, {
          at: new Date().toISOString(),
          agent: values.agent ?? 'unknown',
          state,
          reason: values.reason ?? null,
          event: values.event ?? null,
          server,
          pane,
        });
      } catch (err) {
        ctx.stderr.write(`architect hooks emit: cannot write ${hooksFilePath(dataDir)}: ${(err as Error).message}\n`);
      }
      return EXIT_OK;
    }

    throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}\n${USAGE}`);
  },
};

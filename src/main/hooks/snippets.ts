/**
 * The configuration an operator pastes into each agent so its hooks report to
 * Architect. Architect never edits these files itself: they are the user's.
 */
export const HOOK_AGENTS = ['claude', 'codex', 'gemini'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

export interface HookSnippet {
  /** Where it goes. */
  file: string;
  /** What to paste (merge into an existing `hooks` object). */
  text: string;
  notes: string[];
}

/** `architect hooks emit …` as one command string (agents run it through their shell; every word here is plain). */
function emit(base: string, agent: string, state: string, event: string, extra: string[] = []): string {
  return [base, 'hooks', 'emit', '--agent', agent, '--state', state, '--event', event, ...extra].join(' ');
}

function hookGroup(command: string, matcher?: string): unknown {
  return { ...(matcher === undefined ? {} : { matcher }), hooks: [{ type: 'command', command }] };
}

/** `base` is how the hook starts the CLI (`architect`, or an absolute path plus `--data-dir` when not the default). */
export function hookSnippet(agent: HookAgent, base: string): HookSnippet {
  if (agent === 'claude') {
    const hooks = {
      UserPromptSubmit: [hookGroup(emit(base, 'claude', 'working', 'UserPromptSubmit'))],
      Stop: [hookGroup(emit(base, 'claude', 'idle', 'Stop'))],
      StopFailure: [hookGroup(emit(base, 'claude', 'error', 'StopFailure', ['--reason', 'api_error']))],
      PermissionRequest: [hookGroup(emit(base, 'claude', 'waiting', 'PermissionRequest', ['--reason', 'approval']))],
      Notification: [
        hookGroup(emit(base, 'claude', 'waiting', 'Notification', ['--reason', 'approval']), 'permission_prompt'),
        hookGroup(emit(base, 'claude', 'waiting', 'Notification', ['--reason', 'question']), 'elicitation_dialog'),
      ],
      SessionEnd: [hookGroup(emit(base, 'claude', 'exited', 'SessionEnd'))],
    };
    return {
      file: '~/.claude/settings.json',
      text: JSON.stringify({ hooks }, null, 2),
      notes: [
        'Merge the "hooks" entries into your settings (keep hooks you already have).',
        'Claude Code sends no hook when you interrupt with Esc: the screen corrects that within the freshness window.',
        'Older Claude Code versions without StopFailure or PermissionRequest ignore those keys.',
      ],
    };
  }
  if (agent === 'codex') {
    const argv = [...base.split(' '), 'hooks', 'emit', '--agent', 'codex', '--state', 'idle', '--event', 'agent-turn-complete'];
    return {
      file: '~/.codex/config.toml',
      text: `notify = ${JSON.stringify(argv)}`,
      notes: [
        'Codex runs the notify program with its JSON payload as one more argument after a turn completes (agent-turn-complete → idle).',
        'notify reports the end of a turn only; "working" and dialogs still come from the screen.',
        'Put the line at the top level of config.toml, before any [table].',
      ],
    };
  }
  const hooks = {
    BeforeAgent: [hookGroup(emit(base, 'gemini', 'working', 'BeforeAgent', ['--json-reply']))],
    AfterAgent: [hookGroup(emit(base, 'gemini', 'idle', 'AfterAgent', ['--json-reply']))],
    SessionEnd: [hookGroup(emit(base, 'gemini', 'exited', 'SessionEnd', ['--json-reply']))],
  };
  return {
    file: '~/.gemini/settings.json',
    text: JSON.stringify({ hooks }, null, 2),
    notes: [
      'Merge the "hooks" entries into your settings. Gemini CLI parses a hook\'s stdout as JSON: --json-reply makes emit print {}.',
      'Some Gemini CLI versions also need hooks enabled in settings (see their hooks documentation).',
    ],
  };
}

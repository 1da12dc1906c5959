import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../../src/shared/api.js';
import { inputBoxText, judgeDelivery, planDispatch, tmuxArgs } from '../../../src/main/dispatch/plan.js';

const RULE = '─'.repeat(60);
const NBSP = '\u00a0';

// Shapes taken from the recorded screens in shared/fixtures/screens.
const claude = (box: string, above = '● Stub reply: task done.') =>
  [above, '', RULE, `❯${NBSP}${box}`, RULE, '  ? for shortcuts · ← for agents'].join('\n');
const claudeMultiline = (lines: string[]) =>
  ['● done', RULE, `❯ ${lines[0] ?? ''}`, ...lines.slice(1).map((l) => `  ${l}`), RULE, '  ? for shortcuts'].join('\n');
const codex = (box: string, history = '› SLOW write the release notes') =>
  ['  >_ OpenAI Codex (v0.169.0)', history, '', `› ${box}`, '  GPT-5.5 default · /srv/app/project1', '  ← for agents · ? for shortcuts'].join('\n');
const gemini = (box: string) =>
  [RULE, ' Shift+Tab to accept edits', ` >   ${box}`, ' workspace (/directory)       sandbox', ' /srv/app/project1            no sandbox'].join('\n');

describe('inputBoxText', () => {
  it.each([
    { name: 'claude, empty box', screen: claude(''), want: '' },
    { name: 'claude, draft', screen: claude('fix the login bug'), want: 'fix the login bug' },
    { name: 'claude, a submitted prompt above is history, not the box', screen: claude('', '❯ earlier prompt'), want: '' },
    { name: 'claude, multi-line draft', screen: claudeMultiline(['line one', 'line two']), want: 'line one line two' },
    { name: 'claude, long paste placeholder', screen: claude('[Pasted text #1 +42 lines]'), want: '[Pasted text #1 +42 lines]' },
    { name: 'codex, placeholder', screen: codex('Ask Codex to do anything'), want: 'Ask Codex to do anything' },
    { name: 'codex, draft below history', screen: codex('add tests'), want: 'add tests' },
    { name: 'gemini, draft', screen: gemini('explain the repo'), want: 'explain the repo' },
    { name: 'boxed input', screen: ['╭' + RULE + '╮', '│ > hello there   │', '╰' + RULE + '╯'].join('\n'), want: 'hello there' },
    { name: 'no input box', screen: 'user@host:~$ ls\nfile1 file2', want: null },
  ])('$name', ({ screen, want }) => {
    expect(inputBoxText(screen)).toBe(want);
  });
});

describe('judgeDelivery', () => {
  const cases: Array<{ name: string; before: string; after: string; state: SessionState; want: string }> = [
    { name: 'agent seen working', before: claude('do it'), after: claude('do it'), state: 'working', want: 'taken' },
    { name: 'claude box cleared', before: claude('do it'), after: claude(''), state: 'idle', want: 'taken' },
    { name: 'codex placeholder back', before: codex('do it'), after: codex('Ask Codex to do anything', '› do it'), state: 'idle', want: 'taken' },
    { name: 'gemini placeholder back', before: gemini('do it'), after: gemini('Type your message or @path/to/file'), state: 'idle', want: 'taken' },
    { name: 'draft still in the box', before: claude('do it'), after: claude('do it'), state: 'idle', want: 'retry-enter' },
    { name: 'long paste placeholder still there', before: claude('[Pasted text #1 +42 lines]'), after: claude('[Pasted text #1 +42 lines]'), state: 'idle', want: 'retry-enter' },
    { name: 'Enter became a newline in the draft', before: claudeMultiline(['do it']), after: claudeMultiline(['do it', '']), state: 'idle', want: 'retry-enter' },
    { name: 'a dialog opened', before: claude('do it'), after: claude(''), state: 'waiting', want: 'failed' },
    { name: 'the agent exited', before: claude('do it'), after: 'user@host:~$ ', state: 'exited', want: 'failed' },
    { name: 'the agent errored', before: claude('do it'), after: claude('do it'), state: 'error', want: 'failed' },
    { name: 'paste never showed, screen moved', before: claude(''), after: claude('', '● answered'), state: 'idle', want: 'taken' },
    { name: 'paste never showed, nothing moved', before: claude(''), after: claude(''), state: 'idle', want: 'retry-enter' },
  ];
  it.each(cases)('$name → $want', ({ before, after, state, want }) => {
    const j = judgeDelivery(before, after, state);
    expect(j.verdict).toBe(want);
    expect(j.reason).not.toBe('');
  });
});

describe('planDispatch', () => {
  const idle = { name: 'dev_worker1', paneId: '%12', state: 'idle' as const };

  it('pastes as one block, waits, reads, presses Enter, reads again', () => {
    const plan = planDispatch(idle, 'fix the bug\nin login.ts\n\n');
    expect(plan.ok && plan.steps.map((s) => (s.op === 'wait' ? `wait ${s.ms}` : tmuxArgs(s)?.join(' ')))).toEqual([
      'load-buffer -b architect-task-12 -',
      'paste-buffer -p -d -b architect-task-12 -t %12',
      'wait 100',
      'capture-pane -p -t %12',
      'send-keys -t %12 Enter',
      'wait 100',
      'capture-pane -p -t %12',
    ]);
    expect(plan.ok && plan.prompt).toBe('fix the bug\nin login.ts');
  });

  it('keeps shell metacharacters as data', () => {
    const prompt = 'run `rm -rf $HOME`; echo "$(id)" | tee /tmp/x';
    const plan = planDispatch(idle, prompt);
    expect(plan.ok && plan.steps[0]).toEqual({ op: 'load-buffer', buffer: 'architect-task-12', text: prompt });
  });

  it.each([
    { name: 'working pane', target: { ...idle, state: 'working' as const }, prompt: 'x', reason: 'dev_worker1 is working, not idle' },
    { name: 'waiting pane (keys would answer the dialog)', target: { ...idle, state: 'waiting' as const }, prompt: 'x', reason: 'dev_worker1 is waiting, not idle' },
    { name: 'not a pane id', target: { ...idle, paneId: 'dev:1.0' }, prompt: 'x', reason: 'dev_worker1: "dev:1.0" is not a tmux pane id' },
    { name: 'empty prompt', target: idle, prompt: ' \n\r\n', reason: 'the task has an empty prompt' },
  ])('refuses: $name', ({ target, prompt, reason }) => {
    expect(planDispatch(target, prompt)).toEqual({ ok: false, reason });
  });
});

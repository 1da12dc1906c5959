import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDialogs, readDialog, tidy, type ScreenDialog } from '../../../src/main/attention/dialogs.js';
import { loadAgentManifests } from '../../../src/main/sessions/manifests.js';
import { AGENTS_YAML, loadScreen, SCREENS_DIR } from '../sessions/screens.js';

const DIALOGS_DIR = path.resolve(SCREENS_DIR, '../dialogs');
const agents = loadAgentManifests(AGENTS_YAML).agents;
const dialogsOf = (agent: string) => compileDialogs(agents[agent]!.dialogs);

function screenAt(dir: string, name: string) {
  if (dir === SCREENS_DIR) return loadScreen(name);
  const text = fs.readFileSync(path.join(dir, `${name}.txt`), 'utf8');
  const titleFile = path.join(dir, `${name}.title`);
  return { lines: text.split('\n'), title: fs.existsSync(titleFile) ? fs.readFileSync(titleFile, 'utf8') : '' };
}

interface Case {
  dir: string;
  agent: string;
  dialog: string;
  kind: ScreenDialog['kind'];
  question: string;
  options: string[];
  /** Labels shown but not offered. */
  hidden?: string[];
  context?: string[];
}

// Real screens of the CLIs (test/fixtures/dialogs: captured for this reader against the
// model stub; test/fixtures/screens: the detection fixtures).
const CASES: Record<string, Case> = {
  'claude-2.1.197-approval': {
    dir: DIALOGS_DIR, agent: 'claude', dialog: 'claude-permission', kind: 'approval', question: 'Do you want to proceed?',
    options: ['Yes', 'Yes, and always allow access to project1/ from this project', 'No'],
    context: ['Bash command', 'rm -rf ./build-output', 'Remove the build output?'],
  },
  'claude-2.1.197-question': {
    dir: DIALOGS_DIR, agent: 'claude', dialog: 'claude-question-form', kind: 'question', question: 'Which folder should I clean?',
    options: ['build-output', 'dist', 'Type something.', 'Chat about this'], hidden: ['Type something.', 'Chat about this'], context: ['☐ Folder'],
  },
  'claude-2.1.197-trust-captured': {
    dir: SCREENS_DIR, agent: 'claude', dialog: 'claude-trust', kind: 'trust', question: 'Is this a project you created or one you trust?',
    options: ['Yes, I trust this folder', 'No, exit'],
  },
  'codex-0.171.0-approval': {
    dir: DIALOGS_DIR, agent: 'codex', dialog: 'codex-approval', kind: 'approval', question: 'Would you like to run the following command?',
    options: ['Yes, proceed (y)', "Yes, and don't ask again for commands that start with `rm -rf ./build-output` (p)", 'No, and tell Codex what to do differently (esc)'],
    context: ['Environment: local', 'Reason: Remove the build output?', '$ rm -rf ./build-output'],
  },
  'codex-0.169.0-approval-captured': {
    dir: SCREENS_DIR, agent: 'codex', dialog: 'codex-approval', kind: 'approval', question: 'Would you like to run the following command?',
    options: ['Yes, proceed (y)', "Yes, and don't ask again for commands that start with `rm -rf ./build-output` (p)", 'No, and tell Codex what to do differently (esc)'],
  },
  'codex-0.171.0-question': {
    dir: DIALOGS_DIR, agent: 'codex', dialog: 'codex-question-form', kind: 'question', question: 'Which folder should I clean?',
    options: ['build-output', 'dist', 'None of the above'], context: ['Question 1/1 (1 unanswered)'],
  },
  'synthetic-codex-trust': {
    dir: SCREENS_DIR, agent: 'codex', dialog: 'codex-trust', kind: 'trust', question: 'Do you trust the contents of this directory?',
    options: ['Yes, continue', 'No, quit'],
  },
  'gemini-0.61.0-approval': {
    dir: DIALOGS_DIR, agent: 'gemini', dialog: 'gemini-approval', kind: 'approval', question: 'Allow execution of [Shell]?',
    options: ['Allow once', 'Allow for this session', 'No, suggest changes (esc)'], context: ['? Shell  rm -rf ./build-output', 'rm -rf ./build-output'],
  },
  'gemini-0.61.0-question': {
    dir: DIALOGS_DIR, agent: 'gemini', dialog: 'gemini-question-form', kind: 'question', question: 'Which folder should I clean?',
    options: ['build-output', 'dist', 'Enter a custom value'], hidden: ['Enter a custom value'], context: ['Answer Questions'],
  },
  'gemini-0.61.0-trust-captured': {
    dir: SCREENS_DIR, agent: 'gemini', dialog: 'gemini-trust', kind: 'trust', question: 'Do you trust the files in this folder?',
    options: ['Trust folder (project1)', 'Trust parent folder (architect-capture)', "Don't trust"],
  },
};

describe('reading dialogs off real screens (agents.yaml dialogs:)', () => {
  it.each(Object.entries(CASES))('%s', (name, c) => {
    const d = readDialog(screenAt(c.dir, name), dialogsOf(c.agent));
    expect(d).not.toBeNull();
    expect({ dialog: d!.dialogId, kind: d!.kind, question: d!.question }).toEqual({ dialog: c.dialog, kind: c.kind, question: c.question });
    expect(d!.options.map((o) => o.label)).toEqual(c.options);
    expect(d!.options.map((o) => o.n)).toEqual(c.options.map((_, i) => i + 1));
    expect(d!.options.filter((o) => !o.offered).map((o) => o.label)).toEqual(c.hidden ?? []);
    if (c.context) expect(d!.context).toEqual(c.context);
    expect(d!.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('idle and working screens have no dialog', () => {
    for (const [agent, names] of Object.entries({
      claude: ['claude-2.1.197-idle-captured', 'claude-2.1.197-working-captured', 'claude-2.1.197-idle-after-turn-captured'],
      codex: ['codex-0.169.0-idle-captured', 'codex-0.169.0-working-captured'],
      gemini: ['gemini-0.61.0-idle-captured', 'gemini-0.61.0-working-captured', 'gemini-0.61.0-idle'],
    })) {
      for (const name of names) expect(readDialog(loadScreen(name), dialogsOf(agent)), name).toBeNull();
    }
  });

  it('the id follows what is asked, not where the cursor is', () => {
    const screen = screenAt(DIALOGS_DIR, 'claude-2.1.197-approval');
    const moved = { ...screen, lines: screen.lines.map((l) => l.replace('❯ 1. Yes', '  1. Yes').replace('  3. No', '❯ 3. No')) };
    const other = { ...screen, lines: screen.lines.map((l) => l.replace('rm -rf ./build-output', 'rm -rf ./dist')) };
    const dialogs = dialogsOf('claude');
    expect(readDialog(moved, dialogs)!.id).toBe(readDialog(screen, dialogs)!.id);
    expect(readDialog(other, dialogs)!.id).not.toBe(readDialog(screen, dialogs)!.id);
  });

  it('a numbered list in the transcript is not a dialog, and the last list is the one read', () => {
    const dialogs = dialogsOf('claude');
    expect(readDialog({ lines: ['1. first', '2. second', '', '─────', '❯ ', '─────'], title: '' }, dialogs)).toBeNull();
    const lines = ['1. old', '2. old', 'Do you want to proceed?', '❯ 1. Yes', '  2. No', 'Esc to cancel'];
    expect(readDialog({ lines, title: '' }, dialogs)!.options.map((o) => o.label)).toEqual(['Yes', 'No']);
  });

  it('strips box borders and decoration', () => {
    expect(tidy('│ │ rm -rf ./build-output   │ │')).toBe('rm -rf ./build-output');
    expect(tidy('│ ╰──────╯ │')).toBe('');
    expect(tidy(' ❯ 1. Yes')).toBe('❯ 1. Yes');
  });
});

#!/usr/bin/env node
// A scripted stand-in for Claude Code that shows its screens on cue: the test appends
// a cue to CONTROL (one per line) and the agent draws that screen. Installed as an
// executable named `claude`, so identification by process and the real agents.yaml
// rules (and dialogs:) read it.
//   dialog-agent.mjs CONTROL LOG
// Cues: idle | working | approval [COMMAND] | question | error | limit
// In the approval dialog, 1 or 2 → working for --work-ms then idle; 3 or Esc → idle.
// In the question form, 1 or 2 → idle. Every answer is appended to LOG as JSON.
import fs from 'node:fs';

const [control, log] = process.argv.slice(2);
const workMs = Number(process.env.DIALOG_AGENT_WORK_MS ?? 1500);
const RULE = '─'.repeat(60);
let screen = 'idle';
let command = 'rm -rf ./build-output';
let workTimer = null;

const BOX = [RULE, '❯ ', RULE];
const SCREENS = {
  idle: () => ['● Ready.', '', ...BOX, '  ? for shortcuts'],
  working: () => ['✶ Working… (12s · esc to interrupt)', ...BOX, '  esc to interrupt'],
  error: () => ['  ⎿  API Error: 500 Internal server error', '', ...BOX, '  ? for shortcuts'],
  // As Claude Code 2.1.197 shows it (test/fixtures/screens/claude-2.1.197-limit-captured.txt).
  limit: () => ['❯ summarise the project', "  ⎿  You've hit your session limit · resets 7:20pm (UTC)", '✻ Crunched for 0s', ...BOX, '  ? for shortcuts'],
  approval: () => [
    `● Bash(${command})`,
    '  ⎿  Waiting…',
    RULE,
    ' Bash command',
    `   ${command}`,
    '   Remove the build output?',
    ' Do you want to proceed?',
    ' ❯ 1. Yes',
    '   2. Yes, and always allow access to project1/ from this project',
    '   3. No',
    ' Esc to cancel · Tab to amend · ctrl+e to explain',
  ],
  question: () => [
    RULE,
    ' ☐ Folder',
    'Which folder should I clean?',
    '❯ 1. build-output',
    '     The build output of the last run.',
    '  2. dist',
    '     The packaged application.',
    '  3. Type something.',
    'Enter to select · ↑/↓ to navigate · Esc to cancel',
  ],
};

function draw() {
  process.stdout.write('\x1b[2J\x1b[H' + SCREENS[screen]().join('\r\n'));
}

function show(next) {
  if (workTimer) clearTimeout(workTimer);
  workTimer = null;
  screen = next;
  draw();
}

function answered(key) {
  fs.appendFileSync(log, JSON.stringify({ screen, key }) + '\n');
  if (screen === 'approval' && (key === '1' || key === '2')) {
    show('working');
    workTimer = setTimeout(() => show('idle'), workMs);
  } else show('idle');
}

let read = 0;
function readCues() {
  let text = '';
  try {
    text = fs.readFileSync(control, 'utf8');
  } catch {
    // not written yet
  }
  if (text.length > read) {
    const cues = text.slice(read).split('\n').filter(Boolean);
    read = text.length;
    for (const cue of cues) {
      const [name, ...rest] = cue.split(' ');
      if (name === 'approval' && rest.length > 0) command = rest.join(' ');
      if (name in SCREENS) show(name);
    }
  }
  setTimeout(readCues, 30);
}
readCues();

process.stdin.setRawMode(true);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  if (chunk === '\x03') process.exit(0);
  if (screen === 'approval' && ['1', '2', '3', '\x1b'].includes(chunk)) answered(chunk);
  else if (screen === 'question' && ['1', '2', '\x1b'].includes(chunk)) answered(chunk);
});
draw();

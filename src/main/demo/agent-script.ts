// The scripted agents of the demo fleet, as the source of one small Node program.
// It is written to disk as executables named `claude`, `codex` and `gemini`, so
// Architect identifies them from the process tree exactly as it would the real
// CLIs, and it draws what those CLIs draw (see ../shared/DETECTION.md and the
// captured screens): the input prompt when idle, a spinner line and a spinner
// title while working, an approval dialog, an error line.
//
// It is plain CommonJS with no dependencies because it runs from a temp folder,
// outside this package, under whatever `node` is on PATH.

export const AGENT_SCRIPT = String.raw`#!/usr/bin/env node
'use strict';
const path = require('node:path');
const flavor = path.basename(process.argv[1] || 'claude');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
// --start idle|working|approval|error   the state the agent opens in
// --autopilot SECONDS   when idle this long, start a made-up job (keeps the demo alive)
// --ask-every N         every Nth job asks for approval first
// --fail-every N        every Nth job ends with an API error
// --start-job N         with --start working: which of JOBS it is on (default 0)
// --start-work SECONDS  with --start working: how long that job still takes (default: as any job)
const WORK_MIN_MS = 3000;
const WORK_SPREAD_MS = 5000;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const VERBS = ['Pondering', 'Refactoring', 'Reading', 'Testing', 'Compiling', 'Reviewing'];
const JOBS = ['fix the flaky login test', 'add pagination to /api/tasks', 'speed up the dashboard query', 'write release notes', 'upgrade the logger'];
const autopilot = Number(opt('--autopilot', '0')) * 1000;
const askEvery = Number(opt('--ask-every', '0'));
const failEvery = Number(opt('--fail-every', '0'));
const startJob = JOBS[Number(opt('--start-job', '0'))] || JOBS[0];
const startWorkMs = Number(opt('--start-work', '0')) * 1000;

let state = 'idle';
let draft = '';
let job = '';
let jobs = 0;
let started = 0;
let frame = 0;
let inPaste = false;
let idleSince = Date.now();
const transcript = [];

const cols = () => process.stdout.columns || 100;
const rule = () => '─'.repeat(Math.max(20, cols() - 1));
const title = (t) => process.stdout.write('\x1b]2;' + t + '\x07');

function screen() {
  const secs = Math.floor((Date.now() - started) / 1000);
  const spin = SPINNER[frame % SPINNER.length];
  const verb = VERBS[jobs % VERBS.length];
  const lines = transcript.slice(-12);
  if (flavor === 'codex') {
    if (state === 'approval') {
      title('[ ! ] Action Required | demo');
      return [...lines, '', '  Would you like to run the following command?', '', '  Reason: ' + job, '', '  $ npm test', '', '› 1. Yes, proceed (y)', '  2. No, and tell Codex what to do differently (esc)', '', '  Press enter to confirm or esc to cancel'];
    }
    const out = [...lines];
    if (state === 'working') out.push('', '• Working (' + secs + 's • esc to interrupt)');
    if (state === 'error') out.push('', "■ You've hit your usage limit. Try again later.");
    title(state === 'working' ? spin + ' demo' : 'demo');
    return [...out, '', '› ' + (draft || 'Ask Codex to do anything'), '', '  gpt-5 · ~/demo', '  ? for shortcuts'];
  }
  if (flavor === 'gemini') {
    if (state === 'approval') {
      title('✋  Action Required (demo)');
      return [...lines, '╭' + rule().slice(2) + '╮', '│ Shell npm test', '│ Allow execution of: npm?', '│ ● 1. Allow once', '│   2. No, suggest changes (esc)', '╰' + rule().slice(2) + '╯'];
    }
    const out = [...lines];
    if (state === 'working') out.push(' ' + spin + ' Thinking... (esc to cancel, ' + secs + 's)');
    if (state === 'error') out.push('✕ [API Error: Quota exceeded for quota metric. RESOURCE_EXHAUSTED]');
    title(state === 'working' ? '✦  Working… (demo)' : '◇  Ready (demo)');
    return [...out, rule(), ' >   ' + (draft || 'Type your message or @path/to/file'), rule(), ' ~/demo                no sandbox                Auto'];
  }
  // claude
  if (state === 'approval') {
    title('✳ Claude Code');
    return [...lines, '', ' Bash command', '', '   npm test', '   ' + job, '', ' Do you want to proceed?', ' ❯ 1. Yes', '   2. Yes, and don\'t ask again for npm test commands', '   3. No', '', ' Esc to cancel · Tab to amend'];
  }
  const out = [...lines];
  if (state === 'working') out.push('', '✶ ' + verb + '… (' + secs + 's · esc to interrupt)');
  if (state === 'error') out.push('', '  ⎿  API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
  title(state === 'working' ? spin + ' Claude Code' : '✳ Claude Code');
  return [...out, rule(), '❯ ' + draft, rule(), state === 'working' ? '  esc to interrupt' : '  ? for shortcuts'];
}

const BANNER = { claude: '✻ Claude Code (Architect demo agent)', codex: '>_ OpenAI Codex (Architect demo agent)', gemini: '✦ Gemini CLI (Architect demo agent)' };

function draw() {
  const body = screen();
  process.stdout.write('\x1b[2J\x1b[H' + [BANNER[flavor] || flavor, '', ...body].map((l) => l.slice(0, cols() - 1)).join('\r\n'));
}

function begin(text, workMs) {
  job = text;
  jobs++;
  transcript.push((flavor === 'codex' ? '› ' : flavor === 'gemini' ? ' > ' : '> ') + text);
  if (askEvery > 0 && jobs % askEvery === 0) {
    state = 'approval';
  } else {
    work(workMs);
  }
  draw();
}

function work(workMs) {
  state = 'working';
  started = Date.now();
  const myJob = jobs;
  setTimeout(() => {
    if (state !== 'working' || jobs !== myJob) return;
    if (failEvery > 0 && jobs % failEvery === 0) {
      state = 'error';
    } else {
      transcript.push((flavor === 'gemini' ? '✦ ' : '● ') + 'Done: ' + job + '.');
      state = 'idle';
    }
    idleSince = Date.now();
    draw();
  }, workMs || WORK_MIN_MS + Math.random() * WORK_SPREAD_MS);
}

function key(c) {
  if (c === '\x03') process.exit(0);
  if (state === 'approval') {
    if (c === '\r' || c === '1' || c === 'y') { transcript.push('  ⎿  approved'); work(); }
    else if (c === '\x1b' || c === '2' || c === '3' || c === 'n') { transcript.push('  ⎿  Interrupted · the operator said no'); state = 'idle'; idleSince = Date.now(); }
    return;
  }
  if (state === 'working') {
    if (c === '\x1b') { transcript.push('  ⎿  Interrupted'); state = 'idle'; idleSince = Date.now(); }
    return;
  }
  if (c === '\r' || c === '\n') {
    if (inPaste) { draft += ' '; return; }
    const text = draft.trim();
    draft = '';
    if (text) { if (state === 'error') state = 'idle'; begin(text); }
    return;
  }
  if (c === '\x7f' || c === '\b') { draft = draft.slice(0, -1); return; }
  if (c >= ' ') draft += c;
}

if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdout.write('\x1b[?2004h');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  let s = chunk;
  while (s.length > 0) {
    if (s.startsWith('\x1b[200~')) { inPaste = true; s = s.slice(6); continue; }
    if (s.startsWith('\x1b[201~')) { inPaste = false; s = s.slice(6); continue; }
    key(s[0]);
    s = s.slice(1);
  }
  draw();
});
process.stdout.on('resize', draw);
setInterval(() => {
  frame++;
  if (state === 'working') draw();
  if (autopilot > 0 && state === 'idle' && !draft && Date.now() - idleSince > autopilot) begin(JOBS[jobs % JOBS.length]);
}, 250);

const start = opt('--start', 'idle');
if (start === 'working') begin(startJob, startWorkMs);
else if (start === 'approval') { jobs = askEvery > 0 ? askEvery - 1 : 0; job = 'run the test suite'; transcript.push('> ' + job); state = 'approval'; jobs++; }
else if (start === 'error') { transcript.push('> ' + JOBS[1]); state = 'error'; }
draw();
`;

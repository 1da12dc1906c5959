#!/usr/bin/env node
// A scripted stand-in for a coding agent, shared by the dispatch, assigner and
// workflow tests: an input box between ─── rules, a "working" phase after each
// submitted prompt, then back to idle. Raw mode with bracketed paste, like the real
// agents, so a pasted multi-line prompt is one submission; every submitted prompt is
// appended to LOG as JSON. A prompt containing a marker word works longer (SLOW:
// --slow-ms, to run over a timeout; LONG: --long-ms, to be killed mid-task).
// Installed as an executable named `claude`, so identification by process is real.
//   fake-agent.mjs LOG [--deaf-enters N] [--work-ms MS] [--slow-ms MS] [--long-ms MS] [--busy]
import fs from 'node:fs';

const args = process.argv.slice(2);
const log = args[0];
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
let deafEnters = opt('--deaf-enters', 0);
const workMs = opt('--work-ms', 1000);
const slowMs = opt('--slow-ms', 8000);
const longMs = opt('--long-ms', 5000);
const workFor = (text) => (text.includes('SLOW') ? slowMs : text.includes('LONG') ? longMs : workMs);
const RULE = '─'.repeat(50);
const history = [];
let draft = '';
let working = args.includes('--busy');
let inPaste = false;

function draw() {
  const box = working ? [''] : draft.split('\n');
  const out = [
    ...history.slice(-10),
    working ? '✶ Working… (esc to interrupt)' : '',
    RULE,
    `❯ ${box[0]}`,
    ...box.slice(1).map((l) => `  ${l}`),
    RULE,
    working ? '  esc to interrupt' : '  ? for shortcuts',
  ];
  process.stdout.write('\x1b[2J\x1b[H' + out.join('\r\n'));
}

function submit() {
  const text = draft;
  draft = '';
  fs.appendFileSync(log, JSON.stringify(text) + '\n');
  history.push(`❯ ${text.split('\n')[0]}`);
  working = true;
  draw();
  setTimeout(() => {
    working = false;
    history.push(`● done: ${text.length} chars`);
    draw();
  }, workFor(text));
}

process.stdin.setRawMode(true);
process.stdout.write('\x1b[?2004h');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  let s = chunk;
  while (s.length > 0) {
    if (s.startsWith('\x1b[200~')) { inPaste = true; s = s.slice(6); continue; }
    if (s.startsWith('\x1b[201~')) { inPaste = false; s = s.slice(6); continue; }
    const c = s[0];
    s = s.slice(1);
    if (c === '\x03') process.exit(0);
    if (working) continue;
    if (c === '\r' || c === '\n') {
      if (inPaste) draft += '\n';
      else if (deafEnters > 0) deafEnters--;
      else submit();
      continue;
    }
    if (c === '\x7f') { draft = draft.slice(0, -1); continue; }
    draft += c;
  }
  draw();
});
draw();
if (working) setTimeout(() => { working = false; draw(); }, workMs);

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from '../../../src/main/tmux/shell-quote.js';

// Each case: an argument, and the exact word a POSIX shell must get back.
const CASES: Array<[label: string, arg: string, quoted: string]> = [
  ['plain word', 'list-panes', `'list-panes'`],
  ['empty string', '', `''`],
  ['spaces', 'two words', `'two words'`],
  ['single quote', "it's", `'it'\\''s'`],
  ['only a quote', "'", `''\\'''`],
  ['closing quote and command', "'; touch /tmp/pwned #", `''\\''; touch /tmp/pwned #'`],
  ['command substitution', '$(touch /tmp/pwned)', `'$(touch /tmp/pwned)'`],
  ['backticks', '`touch /tmp/pwned`', "'`touch /tmp/pwned`'"],
  ['variable', '$HOME ${PATH}', `'$HOME \${PATH}'`],
  ['newline', 'line one\nline two', `'line one\nline two'`],
  ['semicolon and pipes', 'a; b | c && d || e &', `'a; b | c && d || e &'`],
  ['double quotes and backslash', '"\\"\\n\\', `'"\\"\\n\\'`],
  ['glob and tilde', '~/* ?[a]', `'~/* ?[a]'`],
  ['tmux format with unit separators', "#{pane_id}\x1f#{pane_title}", `'#{pane_id}\x1f#{pane_title}'`],
  ['leading dash', '-L', `'-L'`],
  ['unicode', 'naïve ✓ ❯', `'naïve ✓ ❯'`],
];

describe('shellQuote', () => {
  it.each(CASES)('%s', (_label, arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });

  it('refuses a NUL byte (no shell word can carry one)', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shellCommand through a real sh', () => {
  it('every argument comes back exactly, and none runs as code', () => {
    const args = CASES.map(([, arg]) => arg);
    // printf prints each argument NUL-terminated: the argv sh really built.
    const out = execFileSync('sh', ['-c', shellCommand(['printf', '%s\\0', ...args])], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(args);
  });

  it('joins words with single spaces and refuses an empty command', () => {
    expect(shellCommand(['tmux', '-L', 'x y'])).toBe(`'tmux' '-L' 'x y'`);
    expect(() => shellCommand([])).toThrow(/empty/);
  });
});

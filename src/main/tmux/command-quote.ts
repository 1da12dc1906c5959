// Text as ONE argument of tmux's own command parser: what a control client's command
// line is read with (one command per line). Inside double quotes tmux reads `\`
// escapes (`\n`, `\t`, octal `\ooo`, `\"`, `\\`, `\$`) and expands `$NAME`; nothing
// else is special there (`;`, `#{…}`, `~`, `'` are plain text; a command line's `%if`
// is only at its start). So a prompt of any length and any text — newlines, quotes,
// `$(…)`, escape sequences — arrives byte for byte, on one line (checked against tmux
// 3.3a with `show-buffer`; test/integration/dispatch/deliver.test.ts).

/** `text` as one double-quoted tmux argument; null when it holds a NUL (tmux's strings end there). */
export function tmuxQuoted(text: string): string | null {
  if (text.includes('\0')) return null;
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"' || ch === '$') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

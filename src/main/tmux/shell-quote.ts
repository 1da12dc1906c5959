// ssh joins its remote command into ONE string that the remote login shell parses, so
// every argument we send (pane ids, tmux formats, socket names) is quoted here, and only
// here. Prompts never travel as shell words: they go on stdin (load-buffer -), or over
// a control client quoted for tmux's own parser (command-quote.ts).

/** One argument as a POSIX shell word: single quotes, with `'\''` for an embedded quote. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error(`an argument cannot contain a NUL byte: ${JSON.stringify(arg)}`);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one command line a POSIX shell splits back into exactly that argv. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('an empty command');
  return argv.map(shellQuote).join(' ');
}

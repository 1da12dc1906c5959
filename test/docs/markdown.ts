import fs from 'node:fs';
import path from 'node:path';

// What the docs show a reader, pulled out of the Markdown: the files (README.md and
// everything under docs/), their fenced blocks, the command lines in them, and the
// commands in inline code. Generic on purpose: a new docs/*.md is checked unasked.

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
}

export interface CommandLine {
  /** `docs/cli.md:12`, for the failure message. */
  where: string;
  text: string;
}

export function markdownFiles(): string[] {
  const found: string[] = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) found.push(rel);
    }
  };
  if (fs.existsSync(path.join(ROOT, 'docs'))) walk('docs');
  return found;
}

export function blocksOf(file: string): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  let open: { line: number; lang: string; body: string[] } | null = null;
  lines.forEach((line, i) => {
    const fence = /^\s*```\s*([\w-]*)/.exec(line);
    if (!fence) {
      open?.body.push(line);
      return;
    }
    if (open) {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join('\n') });
      open = null;
    } else {
      open = { line: i + 1, lang: (fence[1] ?? '').toLowerCase(), body: [] };
    }
  });
  return blocks;
}

const SHELL = new Set(['', 'sh', 'bash', 'shell', 'console', 'zsh']);

/** Prose with the fenced blocks blanked out (line numbers kept). */
function proseOf(file: string): string[] {
  let inBlock = false;
  return fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      return '';
    }
    return inBlock ? '' : line;
  });
}

/**
 * Every command line a reader might type: the lines of shell blocks (joined over
 * `\` continuations), the hook commands in JSON and TOML examples, and inline code
 * that starts like a command (`architect …`, `npx architect …`, `npm run …`).
 */
export function commandLines(file: string): CommandLine[] {
  const found: CommandLine[] = [];
  for (const block of blocksOf(file)) {
    if (SHELL.has(block.lang)) {
      const lines = block.text.replace(/\\\n\s*/g, ' ').split('\n');
      lines.forEach((text, i) => {
        if (text.trim()) found.push({ where: `${file}:${block.line + 1 + i}`, text: text.trim().replace(/^\$\s+/, '') });
      });
    } else if (block.lang === 'json') {
      for (const m of block.text.matchAll(/"command":\s*"([^"]+)"/g)) found.push({ where: `${file}:${block.line}`, text: m[1] ?? '' });
    } else if (block.lang === 'toml') {
      for (const m of block.text.matchAll(/=\s*(\[[^\]]*\])/g)) {
        const argv = JSON.parse(m[1] ?? '[]') as unknown;
        if (Array.isArray(argv) && argv[0] === 'architect') found.push({ where: `${file}:${block.line}`, text: argv.map(String).join(' ') });
      }
    }
  }
  proseOf(file).forEach((line, i) => {
    // In a table cell `\|` is a literal |: in a synopsis, between alternatives.
    for (const m of line.matchAll(/`((?:npx )?architect [^`]+|npm run [^`]+)`/g)) found.push({ where: `${file}:${i + 1}`, text: (m[1] ?? '').replaceAll('\\|', '|') });
  });
  return found;
}

/** Shell words of one command, quotes removed; a `#` comment ends it. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (ch === '#' && !inWord) {
      break;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** One line split into the simple commands it chains (`&&`, `||`, `;`, `|`). */
export function simpleCommands(text: string): string[][] {
  const commands: string[][] = [[]];
  for (const w of shellWords(text)) {
    if (['&&', '||', ';', '|'].includes(w)) commands.push([]);
    else commands[commands.length - 1]!.push(w);
  }
  // Leading VAR=value assignments are the command's environment, not the command.
  return commands
    .map((c) => {
      const start = c.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
      return start < 0 ? [] : c.slice(start);
    })
    .filter((c) => c.length > 0);
}

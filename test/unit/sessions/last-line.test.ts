import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastTextLine } from '../../../src/main/sessions/last-line.js';

const dir = path.join(import.meta.dirname, '../../fixtures/screens');
const screen = (name: string) => fs.readFileSync(path.join(dir, `${name}.txt`), 'utf8').split('\n');

describe('the last line a session card shows', () => {
  it.each([
    ['claude-2.1.197-idle-after-turn-captured', '✻ Brewed for 8s'],
    ['codex-0.169.0-idle-after-turn-captured', 'Worked for 8s • 17:38'],
    ['gemini-0.61.0-idle-after-turn-captured', '✦ Stub reply: task done.'],
  ])('%s → what the agent said last, not its input box or footer', (name, expected) => {
    expect(lastTextLine(screen(name))).toBe(expected);
  });

  it('never picks a footer or an input line on any captured screen', () => {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('-captured.txt'))) {
      const line = lastTextLine(screen(file.replace(/\.txt$/, '')));
      expect(line ?? '', file).not.toMatch(/for shortcuts|f2 to view|Type your message|Ask Codex to do anything|^❯|^›/);
    }
  });

  it('is null for a screen with nothing said', () => {
    expect(lastTextLine(['', '───────', '❯ ', '───────', '  ? for shortcuts'])).toBeNull();
  });
});

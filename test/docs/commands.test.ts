import { describe, expect, it } from 'vitest';
import { architectProblem, commandProblem } from './cli-usage.js';
import { commandLines, markdownFiles, simpleCommands } from './markdown.js';

// Every command the README and docs/ show — in shell blocks, hook examples and inline
// code — is held against the CLI's usage and package.json, so the docs cannot drift
// from the code unseen.

describe('the commands in the docs', () => {
  const files = markdownFiles();

  it('finds the docs and the commands in them (the check is not vacuous)', () => {
    expect(files).toContain('README.md');
    const readme = commandLines('README.md').flatMap((c) => simpleCommands(c.text)).map((w) => w.join(' '));
    expect(readme).toEqual(expect.arrayContaining(['npm install', 'npm start', 'npm test', 'npx architect demo']));
  });

  it.each(files)('%s: every command is one the code has', (file) => {
    const problems = commandLines(file).flatMap(({ where, text }) =>
      simpleCommands(text).flatMap((words) => {
        const problem = commandProblem(words);
        return problem ? [`${where}: \`${words.join(' ')}\`: ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('catches a command, subcommand, option or script that does not exist', () => {
    expect(architectProblem(['tasks', 'add', '--type', 'x', '--title', 't', '--prompt', 'p'])).toBeNull();
    expect(architectProblem(['[--config', 'DIR]', 'config', 'check', '[--env', 'NAME]', '[--json]'])).toBeNull();
    expect(architectProblem(['taks', 'list'])).toMatch(/no command "taks"/);
    expect(architectProblem(['tasks', 'remove', '1'])).toMatch(/takes add \| list \| (show \| )?cancel/);
    expect(architectProblem(['tasks', 'list', '--colour'])).toMatch(/has no --colour/);
    expect(architectProblem(['--log-level', 'loud', 'sessions'])).toMatch(/global options/);
    expect(commandProblem(['npm', 'run', 'no-such-script'])).toMatch(/no script "no-such-script"/);
    expect(commandProblem(['npx', 'vitest', 'run', 'test/no/such/folder'])).toMatch(/no such file/);
    expect(commandProblem(['tmux', 'new-session', '-d'])).toBeNull();
  });
});

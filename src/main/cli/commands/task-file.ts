// `architect tasks add --from FILE`: many tasks from one file of JSON lines, each line
// what the API's `tasks.create` takes ({"type", "title", "prompt", "priority"?,
// "project"?, "dependsOn"?}). The whole file is checked before anything is opened, and
// its tasks are added in one transaction (all or none), so a script feeding a backlog
// runs one process and one commit instead of one of each per task.
import fs from 'node:fs';
import type { z } from 'zod';
import { commands, MAX_TASKS_PER_BATCH } from '../../../shared/api.js';
import { UsageError } from '../command.js';

/** One transaction holds them all: a bigger backlog is several files. */
export const MAX_TASKS_PER_FILE = MAX_TASKS_PER_BATCH;
/** Problems named before "… and N more": enough to see a pattern, not a screenful per line. */
const PROBLEMS_SHOWN = 10;

const TaskLine = commands['tasks.create'].params;
export type TaskLine = z.infer<typeof TaskLine>;

/** A file's tasks, each with its line (for a message that names where). */
export interface TaskFile {
  name: string;
  tasks: Array<{ line: number; task: TaskLine }>;
}

/** The tasks of FILE (`-`: standard input), or a usage error naming each bad line as FILE:LINE. */
export function readTaskFile(file: string): TaskFile {
  const name = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`--from ${name}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const tasks: TaskFile['tasks'] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${name}:${i + 1}: not a JSON object (${(err as Error).message})`);
      return;
    }
    const parsed = TaskLine.safeParse(value);
    if (parsed.success) tasks.push({ line: i + 1, task: parsed.data });
    else problems.push(`${name}:${i + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the line'}: ${issue.message}`).join('; ')}`);
  });
  if (problems.length) {
    const more = problems.length > PROBLEMS_SHOWN ? `\n… and ${problems.length - PROBLEMS_SHOWN} more` : '';
    throw new UsageError(`${problems.slice(0, PROBLEMS_SHOWN).join('\n')}${more}\nnothing was added`);
  }
  if (tasks.length === 0) throw new UsageError(`--from ${name}: no tasks in it (one JSON object a line: {"type": …, "title": …, "prompt": …})`);
  if (tasks.length > MAX_TASKS_PER_FILE) throw new UsageError(`--from ${name}: ${tasks.length} tasks; at most ${MAX_TASKS_PER_FILE} a file (split it)`);
  return { name, tasks };
}


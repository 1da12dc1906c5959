import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

// A run is SIGKILLed inside a slow function step; a new process on the same
// database resumes it and completes it, and no effect happens twice.

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'crash-child.ts');
const MARKER_POLL_MS = 50;
const MARKER_WAIT_MS = 20_000;

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function waitFor(file: string): Promise<void> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the child never reached the slow step (${file} not written)`);
    await new Promise((r) => setTimeout(r, MARKER_POLL_MS));
  }
}

describe('a workflow run killed mid-step', () => {
  it('resumes in a new process at the running step and completes without repeating effects', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-wf-crash-'));
    const db = path.join(dir, 'architect.db');
    const marker = path.join(dir, 'marker');
    const first = spawn(process.execPath, ['--import', 'tsx', child, 'start', db, marker], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    first.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
    await waitFor(marker);
    first.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const look = new Database(db, { readonly: true });
    expect(look.prepare('SELECT status, current_step FROM workflow_runs').get()).toEqual({ status: 'running', current_step: 'slow' });
    look.close();

    const second = spawnSync(process.execPath, ['--import', 'tsx', child, 'resume', db, marker], { encoding: 'utf8', timeout: 60_000 });
    expect(second.status, second.stderr + stderr).toBe(0);

    const after = new Database(db, { readonly: true });
    const run = after.prepare('SELECT id, status, error FROM workflow_runs').get() as { id: number; status: string; error: string | null };
    expect(run).toEqual({ id: run.id, status: 'completed', error: null });
    const kinds = after.prepare('SELECT kind, count(*) AS n FROM notifications GROUP BY kind ORDER BY kind').all();
    expect(kinds).toEqual([
      { kind: 'effect_keyed', n: 1 },
      { kind: 'effect_once', n: 1 },
      { kind: 'workflow', n: 2 },
    ]);
    expect(after.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(1);
    const steps = after.prepare('SELECT step, attempt, status, output FROM workflow_steps ORDER BY id').all() as { step: string; attempt: number; status: string; output: string }[];
    expect(steps.map((s) => [s.step, s.attempt, s.status])).toEqual([
      ['create_task', 1, 'completed'],
      ['tell_before', 1, 'completed'],
      ['slow', 1, 'completed'],
      ['tell_after', 1, 'completed'],
    ]);
    expect(JSON.parse(steps[2]?.output ?? '{}')).toEqual({ key: `${run.id}:slow:1` });
    after.close();
  });
});

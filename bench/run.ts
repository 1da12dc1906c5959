// Runs every bench/*.bench.ts and prints one table (or one JSON object with
// --json). Units are in the metric names: _ms, _us, _mb, _pct. Each bench runs in
// a process of its own, so a memory figure (store_rss_mb) is that bench's alone
// and no bench runs on a heap another one left behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUDGET } from './budget.js';

type BenchModule = { run(opts: { quick?: boolean }): Promise<Record<string, number>> };

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;

const moduleIdx = args.indexOf('--module');
if (moduleIdx >= 0) {
  // A child: run one bench, print its figures as JSON on stdout.
  const mod = (await import(pathToFileURL(path.join(here, args[moduleIdx + 1]!)).href)) as BenchModule;
  process.stdout.write(JSON.stringify(await mod.run({ quick })) + '\n');
  process.exit();
}

const all = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
// `--only NAME` runs the bench of that name (`--only console` is console_under_load,
// not consoles-postgres too); a name no bench has runs those it begins, else says which exist.
const exact = all.filter((f) => f === `${only}.bench.ts`);
const files = !only ? all : exact.length ? exact : all.filter((f) => f.startsWith(only));
if (files.length === 0) {
  process.stderr.write(`bench: no bench named "${only}" (there are: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')})\n`);
  process.exit(2);
}

const metrics: Record<string, number> = {};
for (const file of files) {
  const name = file.replace('.bench.ts', '');
  if (!json) process.stderr.write(`bench ${name}…\n`);
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--module', file, ...(quick ? ['--quick'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  try {
    if (child.status !== 0) throw new Error(`exited with ${child.status ?? child.signal}`);
    Object.assign(metrics, JSON.parse(last) as Record<string, number>);
  } catch (err) {
    process.stderr.write(`bench ${name} failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (json) {
  process.stdout.write(JSON.stringify(metrics) + '\n');
} else {
  const rows = Object.entries(metrics).map(([k, v]) => {
    const budget = BUDGET[k];
    // NaN (JSON null): the figure could not be measured (say, never seen within its limit).
    const verdict = budget === undefined ? '' : v === null || !Number.isFinite(v) ? 'NOT MEASURED' : v <= budget ? 'within budget' : 'OVER BUDGET';
    return [k, formatNumber(v), budget === undefined ? '' : `≤ ${budget}`, verdict];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), ['metric', 'value', 'budget', ''][i]!.length));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(line(['metric', 'value', 'budget', '']) + '\n' + rows.map(line).join('\n') + '\n');
}
process.exit();

function formatNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(4);
}

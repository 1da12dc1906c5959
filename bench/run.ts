// Runs every bench/*.bench.ts and prints one table (or one JSON object with
// --json). Units are in the metric names: _ms, _us, _mb, _pct.
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

const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.startsWith(only))
  .sort();

const metrics: Record<string, number> = {};
for (const file of files) {
  const name = file.replace('.bench.ts', '');
  if (!json) process.stderr.write(`bench ${name}…\n`);
  try {
    const mod = (await import(pathToFileURL(path.join(here, file)).href)) as BenchModule;
    Object.assign(metrics, await mod.run({ quick }));
  } catch (err) {
    process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

if (json) {
  process.stdout.write(JSON.stringify(metrics) + '\n');
} else {
  const rows = Object.entries(metrics).map(([k, v]) => {
    const budget = BUDGET[k];
    const verdict = budget === undefined ? '' : v <= budget ? 'within budget' : 'OVER BUDGET';
    return [k, formatNumber(v), budget === undefined ? '' : `≤ ${budget}`, verdict];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), ['metric', 'value', 'budget', ''][i]!.length));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(line(['metric', 'value', 'budget', '']) + '\n' + rows.map(line).join('\n') + '\n');
}
process.exit();

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(4);
}

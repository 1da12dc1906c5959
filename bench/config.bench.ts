// config_load_ms: the shipped config read, layered and validated.
// config_reload_ms: a file saved on disk → the new snapshot delivered to subscribers
// (watcher + debounce + validation), median of several saves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/main/config/load.js';
import { ConfigService } from '../src/main/config/service.js';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../config');
const RELOADS = 20;
const QUICK_RELOADS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  // First load pays module warm-up; the figure that matters is a steady-state load.
  loadConfig({ dir: SHIPPED, env: null });
  const loads: number[] = [];
  for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
    const t = performance.now();
    const r = loadConfig({ dir: SHIPPED, env: null });
    loads.push(performance.now() - t);
    if (!r.ok) throw new Error(`shipped config does not load: ${r.problems[0]?.message ?? ''}`);
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-bench-config-'));
  try {
    fs.cpSync(path.join(SHIPPED, 'base'), path.join(root, 'base'), { recursive: true });
    const service = new ConfigService({ dir: root, env: null });
    const stop = await service.start();
    const file = path.join(root, 'base', 'sla_rules.yaml');
    const original = fs.readFileSync(file, 'utf8');
    const reloads: number[] = [];
    for (let i = 0; i < (opts.quick ? QUICK_RELOADS : RELOADS); i++) {
      const delivered = new Promise<number>((resolve) => {
        const off = service.subscribe(() => {
          off();
          resolve(performance.now());
        });
      });
      const t = performance.now();
      fs.writeFileSync(file, original.replace('target_minutes: 5', `target_minutes: ${6 + i}`));
      reloads.push((await delivered) - t);
    }
    await stop();
    return { config_load_ms: median(loads), config_reload_ms: median(reloads) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  run({ quick: process.argv.includes('--quick') }).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
}

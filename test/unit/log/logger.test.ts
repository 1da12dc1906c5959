import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, LOG_FILES_KEPT } from '../../../src/main/log/logger.js';
import { rateLimited } from '../../../src/main/log/rate-limit.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the log', () => {
  it('rotates: never more than the kept files, each about the size limit; private', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-log-'));
    const file = path.join(dir, 'logs', 'architect.jsonl');
    const log = createLogger({ level: 'info', file, console: null, maxBytes: 10_000 });
    for (let i = 0; i < 2_000; i++) log.info('line', { i, pad: 'x'.repeat(50) });
    const files = fs.readdirSync(path.dirname(file)).sort();
    expect(files).toEqual(['architect.jsonl', ...Array.from({ length: LOG_FILES_KEPT }, (_, i) => `architect.jsonl.${i + 1}`)]);
    for (const f of files) {
      expect(fs.statSync(path.join(dir, 'logs', f)).size).toBeLessThanOrEqual(10_200);
      expect((fs.statSync(path.join(dir, 'logs', f)).mode & 0o777).toString(8)).toBe('600');
    }
    expect((fs.statSync(path.join(dir, 'logs')).mode & 0o777).toString(8)).toBe('700');
    expect(fs.readFileSync(file, 'utf8')).toContain('"i":1999');
  });

  it('prints the fields that are set, and leaves out the ones left undefined', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-log-'));
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const log = createLogger({ level: 'info', console: out });
    log.error('sla_critical: a backlog', { component: 'attention', session: undefined, task: undefined, n: 0 });
    expect(printed).toMatch(/ERROR sla_critical: a backlog component=attention n=0\n$/);
    expect(printed).not.toContain('undefined');
  });

  it('cuts a huge message or field to a bounded line', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-log-'));
    const file = path.join(dir, 'a.jsonl');
    const log = createLogger({ level: 'info', file, console: null });
    log.warn('x'.repeat(1_000_000), { pane: 'y'.repeat(1_000_000), nested: { z: 'z'.repeat(1_000_000) } });
    expect(fs.statSync(file).size).toBeLessThan(10_000);
  });

  it('rate-limits what outsiders can cause, and says how much it left out', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-log-'));
    const file = path.join(dir, 'a.jsonl');
    const limited = rateLimited(createLogger({ level: 'info', file, console: null }), 5, 60_000);
    for (let i = 0; i < 1_000; i++) limited.warn('bad request', { i });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
  });
});

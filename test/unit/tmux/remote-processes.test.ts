import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendants, paneProcesses } from '../../../src/main/sessions/process-tree.js';
import { parsePsTable, PS_COMMAND } from '../../../src/main/sessions/remote-processes.js';

// What `ps -ww -eo pid=,ppid=,pgid=,tpgid=,comm=` then `ps -ww -eo pid=,args=` print
// (procps right-aligns numbers; macOS prints comm as a path).
const OUTPUT = [
  '    1     0     1    -1 systemd',
  '  812     1   812   900 tmux: server',
  '  900   812   900   900 bash',
  '  950   900   950   900 claude',
  '  960   950   950   900 node',
  '  970   900   970   900 /usr/local/bin/rg',
  'architect:args',
  '    1 /sbin/init splash',
  '  812 tmux -L agents new-session -d',
  '  900 -bash',
  '  950 /bin/sh /home/dev/bin/claude --model  opus',
  '  960 node /home/dev/lib/mcp.js',
  '',
].join('\n');

describe('parsePsTable', () => {
  const table = parsePsTable(OUTPUT);

  it('reads pid, parent, group, terminal group, comm (spaces kept) and argv', () => {
    expect(table.byPid.get(812)).toEqual({ pid: 812, ppid: 1, pgrp: 812, tpgid: 900, comm: 'tmux: server', argv: ['tmux', '-L', 'agents', 'new-session', '-d'] });
    expect(table.byPid.get(900)).toMatchObject({ comm: 'bash', argv: ['-bash'] });
    expect(table.byPid.get(1)).toMatchObject({ tpgid: -1, comm: 'systemd' });
  });

  it('takes the base name of a path comm (macOS) and an empty argv when args are missing (never a local /proc read)', () => {
    expect(table.byPid.get(970)).toMatchObject({ comm: 'rg', argv: [] });
  });

  it('builds the same tree the /proc reader does, so pane processes and the foreground group work unchanged', () => {
    expect(descendants(table, 900)).toEqual([900, 950, 970, 960]);
    const procs = paneProcesses(table, 900);
    expect(procs.find((p) => p.pid === 950)).toEqual({ pid: 950, comm: 'claude', argv: ['/bin/sh', '/home/dev/bin/claude', '--model', 'opus'], foreground: false });
    expect(procs.find((p) => p.pid === 900)?.foreground).toBe(true);
  });

  it('refuses output without the section line', () => {
    expect(() => parsePsTable('  1 0 1 -1 init\n')).toThrow(/architect:args/);
  });

  it('parses what the real ps here prints for PS_COMMAND, including this very process', () => {
    const out = execFileSync('sh', ['-c', PS_COMMAND], { encoding: 'utf8' });
    const real = parsePsTable(out);
    const me = real.byPid.get(process.pid);
    expect(me).toBeDefined();
    expect(me!.ppid).toBe(process.ppid);
    expect(me!.argv?.[0]).toMatch(/node/);
    expect(real.children.get(process.ppid)).toContain(process.pid);
  });
});

export const RUN_VARIABLE: 'ARCHITECT_TEST_RUN';
export function newRunId(): string;
export function tmuxSocketDir(): string;
export function findLeftovers(runId: string): { tmux: string[]; processes: { pid: number; cmdline: string }[]; postgres: string[] };
export function reapLeftovers(runId: string, opts?: { graceMs?: number }): Promise<string[]>;

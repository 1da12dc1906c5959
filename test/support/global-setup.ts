import { newRunId, reapLeftovers, RUN_VARIABLE } from '../../scripts/leftovers.js';

// Each vitest run gets an id that every tmux server, console, agent and browser it
// starts carries (see scripts/leftovers.js). `npm test` sets it and checks for
// leftovers itself, after all its runs; a bare `npx vitest run` checks here.
export default function setup(): (() => Promise<void>) | undefined {
  if (process.env[RUN_VARIABLE]) return undefined;
  const runId = newRunId();
  process.env[RUN_VARIABLE] = runId;
  return async () => {
    const left = await reapLeftovers(runId);
    if (left.length === 0) return;
    console.error(`\nThe tests left ${left.length} thing(s) running (now killed):\n  ${left.join('\n  ')}`);
    process.exitCode = 1;
  };
}

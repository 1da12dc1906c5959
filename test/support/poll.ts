/**
 * Calls `check` every `intervalMs` until it gives a truthy value, which it returns;
 * throws "timed out waiting for <what>" once `limitMs` has passed. For conditions
 * nothing announces (a row in SQLite, a file, a pane's screen).
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  opts: { limitMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/**
 * The caller's mistake — a task that does not exist, a path outside the editable
 * config, a param of the wrong type, an unknown query or workflow: the message says
 * what and where, and nothing was changed. The one type every such error extends, so
 * the transports need no wrappers: the API answers it with its code (`invalid_params`,
 * or `conflict` for a stale edit) and logs a warning, not a failure; the CLI prints its
 * message and exits 1 (a UsageError, bad arguments, exits 2 with the usage).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_params' | 'conflict' = 'invalid_params',
  ) {
    super(message);
    this.name = new.target.name;
  }
}

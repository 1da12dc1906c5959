import { z } from 'zod';
import { changes, commands, isCommandName, type ApiErrorShape, type Caller, type CommandName, type Handlers } from '../../shared/api.js';
import type { Logger } from '../log/logger.js';
import { watched } from '../log/watchdog.js';
import { UserError } from '../user-error.js';

/** A failure whose message an operator can act on; carried as is to every client. */
export class ApiError extends Error implements ApiErrorShape {
  constructor(
    readonly code: ApiErrorShape['code'],
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Longest error text a client gets back (and the log keeps): hostile input can name a megabyte-long key. */
const MAX_MESSAGE_CHARS = 1_000;
/** How much of a name the caller sent is repeated in an error. */
const MAX_ECHO_CHARS = 100;

/** A value the caller sent, quoted for an error message and cut short. */
export function echo(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : text);
}

function bounded(message: string): string {
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length} characters)` : message;
}

/** Renders zod issues as `field: problem; field: problem`. */
export function describeIssues(error: z.ZodError): string {
  return bounded(
    error.issues
      .slice(0, 10)
      .map((issue) => {
        const where = issue.path.length ? issue.path.map((p) => String(p).slice(0, MAX_ECHO_CHARS)).join('.') : 'params';
        return `${where}: ${issue.message}`;
      })
      .join('; '),
  );
}

/**
 * The single entry point of every transport: checks the command exists, refuses a
 * change on a read-only console, parses its params with the contract's schema
 * (nothing reaches a handler unparsed), runs the handler and turns every failure
 * into an ApiError (a UserError keeps its message and code; anything else is `failed`).
 */
export async function dispatch(handlers: Handlers, name: unknown, rawParams: unknown, caller?: Caller, log?: Logger): Promise<unknown> {
  if (!isCommandName(name)) {
    const message = `unknown command ${echo(name)}`;
    log?.warn(message);
    throw new ApiError('unknown_command', message);
  }
  if (caller?.readOnly && changes(name)) {
    const message = `${name} changes something, and this console is read-only (started with --read-only)`;
    log?.warn(message, { command: name });
    throw new ApiError('read_only', message);
  }
  const spec = commands[name];
  const parsed = spec.params.safeParse(rawParams ?? {});
  if (!parsed.success) {
    const message = `invalid params for ${name}: ${describeIssues(parsed.error)}`;
    log?.warn(message, { command: name });
    throw new ApiError('invalid_params', message);
  }
  const handler = handlers[name] as (p: unknown, caller?: Caller) => unknown;
  try {
    return await watched(`rpc ${name}`, () => handler(parsed.data, caller));
  } catch (caught) {
    // The caller's mistake (user-error.ts) is answered like an ApiError with its code.
    const err = caught instanceof UserError ? new ApiError(caught.code, caught.message) : caught;
    if (err instanceof ApiError) {
      // Every error a user sees is in the log too, with the command it came from.
      const message = bounded(err.message);
      log?.warn(message, { command: name, code: err.code });
      throw message === err.message ? err : new ApiError(err.code, message);
    }
    const message = bounded(err instanceof Error ? err.message : String(err));
    log?.error(`command ${name} failed`, { command: name, error: err instanceof Error ? err : message });
    throw new ApiError('failed', `${name} failed: ${message}`);
  }
}

/** Runtime proof that every contract command has a handler (the type already demands it). */
export function missingHandlers(handlers: Partial<Record<CommandName, unknown>>): CommandName[] {
  return (Object.keys(commands) as CommandName[]).filter((n) => typeof handlers[n] !== 'function');
}

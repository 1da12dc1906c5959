import { z } from 'zod';
import { commands, isCommandName, type CommandName, type Handlers, type ApiErrorShape } from '../../shared/api.js';
import type { Logger } from '../log/logger.js';

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

/** Renders zod issues as `field: problem; field: problem`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : 'params';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The single entry point of every transport: checks the command exists, parses
 * its params with the contract's schema (nothing reaches a handler unparsed), runs
 * the handler and turns every failure into an ApiError.
 */
export async function dispatch(handlers: Handlers, name: unknown, rawParams: unknown, log?: Logger): Promise<unknown> {
  if (!isCommandName(name)) {
    const message = `unknown command "${String(name)}"`;
    log?.warn(message);
    throw new ApiError('unknown_command', message);
  }
  const spec = commands[name];
  const parsed = spec.params.safeParse(rawParams ?? {});
  if (!parsed.success) {
    const message = `invalid params for ${name}: ${describeIssues(parsed.error)}`;
    log?.warn(message, { command: name });
    throw new ApiError('invalid_params', message);
  }
  const handler = handlers[name] as (p: unknown) => unknown;
  try {
    return await handler(parsed.data);
  } catch (err) {
    if (err instanceof ApiError) {
      // Every error a user sees is in the log too, with the command it came from.
      log?.warn(err.message, { command: name, code: err.code });
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    log?.error(`command ${name} failed`, { command: name, error: err instanceof Error ? err : message });
    throw new ApiError('failed', `${name} failed: ${message}`);
  }
}

/** Runtime proof that every contract command has a handler (the type already demands it). */
export function missingHandlers(handlers: Partial<Record<CommandName, unknown>>): CommandName[] {
  return (Object.keys(commands) as CommandName[]).filter((n) => typeof handlers[n] !== 'function');
}

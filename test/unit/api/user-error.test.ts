import { describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import { AlertNotFoundError } from '../../../src/main/store/alerts.js';
import { ApiError, dispatch } from '../../../src/main/api/dispatch.js';
import { UsageError } from '../../../src/main/cli/command.js';
import { ConfigConflictError, ConfigPathError } from '../../../src/main/config/edit.js';
import { createLogger } from '../../../src/main/log/logger.js';
import { QueryParamError } from '../../../src/main/queries/params.js';
import { UnknownQueryError } from '../../../src/main/queries/service.js';
import { SessionNotFoundError } from '../../../src/main/store/sessions.js';
import { InvalidTaskError, TaskFinishedError, TaskNotFoundError } from '../../../src/main/store/tasks.js';
import { UserError } from '../../../src/main/user-error.js';
import { RunNotFoundError, WorkflowNotFoundError } from '../../../src/main/workflows/types.js';
import { capturedIo } from '../../support/captured-io.js';

/** Dispatches `tasks.get` to a handler that throws `err`; what the client gets, and what the log says. */
async function answer(err: Error): Promise<{ error: ApiError; log: string }> {
  const io = capturedIo();
  const log = createLogger({ level: 'debug', console: io.stderr });
  const handlers = { 'tasks.get': () => { throw err; } } as unknown as Handlers;
  const error = await dispatch(handlers, 'tasks.get', { id: 1 }, undefined, log).then(
    () => { throw new Error('expected a refusal'); },
    (e: unknown) => e as ApiError,
  );
  return { error, log: io.err() };
}

describe('one user-error type', () => {
  it('every "the caller got it wrong" error is a UserError', () => {
    const mistakes: Error[] = [
      new TaskNotFoundError(7), new TaskFinishedError(7, 'completed'), new InvalidTaskError('no type'),
      new SessionNotFoundError('x'), new AlertNotFoundError(3), new QueryParamError('bad'), new UnknownQueryError('q', []),
      new WorkflowNotFoundError('w', []), new RunNotFoundError(2), new ConfigPathError('outside'), new ConfigConflictError('stale'),
      new UsageError('bad flag'),
    ];
    for (const m of mistakes) expect(m, m.constructor.name).toBeInstanceOf(UserError);
    expect(new TaskNotFoundError(7).name).toBe('TaskNotFoundError');
  });

  it('the API answers it with its code and message, and logs a warning, not a failure', async () => {
    const notFound = await answer(new TaskNotFoundError(7));
    expect(notFound.error).toBeInstanceOf(ApiError);
    expect(notFound.error).toMatchObject({ code: 'invalid_params', message: 'task 7 does not exist' });
    expect(notFound.log).toMatch(/WARN.*task 7 does not exist/);
    expect(notFound.log).not.toMatch(/ERROR/);
    expect((await answer(new ConfigConflictError('the file changed on disk'))).error).toMatchObject({ code: 'conflict', message: 'the file changed on disk' });
  });

  it('anything else is still a failure of the command, logged as an error', async () => {
    const broken = await answer(new Error('disk on fire'));
    expect(broken.error).toMatchObject({ code: 'failed', message: 'tasks.get failed: disk on fire' });
    expect(broken.log).toMatch(/ERROR/);
  });
});

// The attention API over plain HTTP (token-guarded by the web server), for scripts:
//   GET  /api/attention/inbox                     agents waiting on a dialog, with it
//   POST /api/attention/answer {session, option, dialog_id?, by?}
//   GET  /api/notifications/recent?limit=N&failed=1
import { z } from 'zod';
import { ApiError } from '../api/dispatch.js';
import type { HttpReply, HttpRoute } from '../web/server.js';
import type { AttentionCommands } from './commands.js';

const AnswerBody = z
  .object({
    session: z.string().min(1).max(200),
    option: z.number().int().min(1).max(99),
    dialog_id: z.string().regex(/^[0-9a-f]{12}$/).optional(),
    by: z.string().min(1).max(100).optional(),
  })
  .strict();

const MAX_RECENT = 1000;

async function reply(fn: () => Promise<unknown> | unknown): Promise<HttpReply> {
  try {
    return { status: 200, body: await fn() };
  } catch (err) {
    if (err instanceof ApiError) return { status: err.code === 'unavailable' ? 503 : 400, body: { error: err.message } };
    throw err;
  }
}

export function attentionRoutes(c: AttentionCommands): HttpRoute[] {
  return [
    { method: 'GET', match: (p) => (p === '/api/attention/inbox' ? {} : null), handle: () => reply(() => c['attention.inbox']({})) },
    {
      method: 'POST',
      changes: true,
      match: (p) => (p === '/api/attention/answer' ? {} : null),
      handle: async ({ body }) => {
        const parsed = AnswerBody.safeParse(body);
        if (!parsed.success) {
          const where = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
          return { status: 400, body: { error: `expected {"session": name or id, "option": 1–99, "dialog_id"?: string, "by"?: string}; ${where}` } };
        }
        const b = parsed.data;
        return reply(() => c['attention.answer']({ sessionId: b.session, option: b.option, dialogId: b.dialog_id, by: b.by ?? 'HTTP API' }));
      },
    },
    {
      method: 'GET',
      match: (p) => (p === '/api/notifications/recent' ? {} : null),
      handle: ({ url }) => {
        const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), MAX_RECENT);
        return reply(() => c['notifications.recent']({ limit, failedOnly: url.searchParams.get('failed') === '1' }));
      },
    },
  ];
}

// The IPC wire between the main process and the preload: channel names (command
// channels are derived from the contract's command names; nothing else is exposed)
// and the reply shape. Shared because the preload imports only from src/shared/.
export const IPC_PREFIX = 'architect:';
export const IPC_EVENT_CHANNEL = 'architect:event';

/** Replies carried over IPC; errors travel as data so their message survives intact. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

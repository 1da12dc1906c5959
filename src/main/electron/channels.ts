// IPC channel naming, shared by main and preload. Command channels are derived
// from the contract's command names; nothing else is exposed.
export const IPC_PREFIX = 'architect:';
export const IPC_EVENT_CHANNEL = 'architect:event';

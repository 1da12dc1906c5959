export const BUILD_MARK: string;
export function buildState(root: string): 'missing' | 'stale' | 'fresh';

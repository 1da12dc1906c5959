/** How an operator names a pane: `%12`, `server:%12`, `session:window.pane` or `server:session:window.pane`. */
export type PaneRef =
  | { kind: 'id'; server: string | null; paneId: string }
  | { kind: 'position'; server: string | null; session: string; windowIndex: number; paneIndex: number };

export function parsePaneRef(text: string): PaneRef | null {
  const byId = /^(?:([^:]+):)?(%\d+)$/.exec(text);
  if (byId) return { kind: 'id', server: byId[1] ?? null, paneId: byId[2]! };
  const byPosition = /^(?:([^:]+):)?([^:]+):(\d+)\.(\d+)$/.exec(text);
  if (byPosition) {
    return { kind: 'position', server: byPosition[1] ?? null, session: byPosition[2]!, windowIndex: Number(byPosition[3]), paneIndex: Number(byPosition[4]) };
  }
  return null;
}

export function refMatches(ref: PaneRef, pane: { server: string; paneId: string; session: string; windowIndex: number; paneIndex: number }): boolean {
  if (ref.server !== null && ref.server !== pane.server) return false;
  if (ref.kind === 'id') return ref.paneId === pane.paneId;
  return ref.session === pane.session && ref.windowIndex === pane.windowIndex && ref.paneIndex === pane.paneIndex;
}

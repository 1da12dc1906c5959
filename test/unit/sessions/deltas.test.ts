import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { SessionDeltas } from '../../../src/main/sessions/deltas.js';
import { applySessionDelta } from '../../../src/shared/session-delta.js';

const session = (id: string, state: Session['state'] = 'idle'): Session => ({ id, name: id, state }) as unknown as Session;

describe('session deltas', () => {
  it('sends what changed: new and different sessions whole, the ids of those gone; nothing when nothing changed', () => {
    const d = new SessionDeltas();
    expect(d.next([session('a'), session('b')])).toEqual({ upserted: [session('a'), session('b')], removed: [] });
    expect(d.next([session('a'), session('b')])).toBeNull();
    expect(d.next([session('a', 'working'), session('b')])).toEqual({ upserted: [session('a', 'working')], removed: [] });
    expect(d.next([session('a', 'working'), session('c')])).toEqual({ upserted: [session('c')], removed: ['b'] });
  });

  it('a client applying them holds the same list the server has', () => {
    const d = new SessionDeltas();
    const lists = [[session('a'), session('b')], [session('a', 'working'), session('b')], [session('b'), session('c'), session('a', 'working')], [session('c')], []];
    let held: Session[] | null = null;
    for (const list of lists) {
      const delta = d.next(list);
      if (delta) held = applySessionDelta(held, delta);
      expect(new Map((held ?? []).map((s) => [s.id, s]))).toEqual(new Map(list.map((s) => [s.id, s])));
    }
  });
});

describe('sameSession', () => {
  const full = (over: Partial<Session> = {}): Session =>
    ({ id: 'x', name: 'x', state: 'waiting', argv: ['codex', '--yolo'], detail: { kind: 'dialog', message: 'Allow?', resetAt: null, dialog: null }, lastLine: '> ', ...over }) as unknown as Session;

  it('compares nested values by content, not by object', () => {
    const d = new SessionDeltas();
    expect(d.next([full()])?.upserted).toHaveLength(1);
    // Fresh arrays and objects with the same content: nothing to send.
    expect(d.next([full({ argv: ['codex', '--yolo'] })])).toBeNull();
    expect(d.next([full({ argv: ['codex'] })])?.upserted).toEqual([full({ argv: ['codex'] })]);
    expect(d.next([full({ argv: ['codex'], detail: { kind: 'dialog', message: 'Allow this?', resetAt: null, dialog: null } as Session['detail'] })])?.upserted).toHaveLength(1);
    expect(d.next([full({ argv: ['codex'], detail: null, lastLine: '> typing' })])?.upserted).toHaveLength(1);
  });
});

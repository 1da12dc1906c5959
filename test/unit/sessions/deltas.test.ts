import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { SessionDeltas } from '../../../src/main/sessions/deltas.js';
import { shortArgv } from '../../../src/main/sessions/tracked-pane.js';
import { applySessionDelta } from '../../../src/shared/session-delta.js';

const session = (id: string, state: Session['state'] = 'idle'): Session => ({ id, name: id, state }) as unknown as Session;

describe('session deltas', () => {
  it('sends what changed: new sessions whole, of a listed one only its id and the fields that changed, the ids of those gone; nothing when nothing changed', () => {
    const d = new SessionDeltas();
    expect(d.next([session('a'), session('b')])).toEqual({ upserted: [session('a'), session('b')], changed: [], removed: [] });
    expect(d.next([session('a'), session('b')])).toBeNull();
    expect(d.next([session('a', 'working'), session('b')])).toEqual({ upserted: [], changed: [{ id: 'a', state: 'working' }], removed: [] });
    expect(d.next([session('a', 'working'), session('c')])).toEqual({ upserted: [session('c')], changed: [], removed: ['b'] });
  });

  it('a change to a session with a long command line sends the changed fields only, not the command line', () => {
    const argv = ['claude', '-p', 'word '.repeat(2_000)];
    const big = (state: Session['state'], lastLine: string): Session =>
      ({ id: 'w1', name: 'w1', state, lastLine, stateSince: `2026-12-07T10:00:0${lastLine.length % 10}.000Z`, ...shortArgv(argv), detail: null }) as unknown as Session;
    const d = new SessionDeltas();
    d.next([big('idle', '>')]);
    // A fresh object (a rebuild), the same command line: state, lastLine and stateSince travel.
    const delta = d.next([big('working', '> fixing the bug')])!;
    expect(delta.upserted).toEqual([]);
    expect(delta.changed).toEqual([{ id: 'w1', state: 'working', lastLine: '> fixing the bug', stateSince: '2026-12-07T10:00:06.000Z' }]);
    expect(JSON.stringify(delta).length).toBeLessThan(200);
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
    expect(d.next([full({ argv: ['codex'] })])?.changed).toEqual([{ id: 'x', argv: ['codex'] }]);
    const detail = { kind: 'dialog', message: 'Allow this?', resetAt: null, dialog: null } as Session['detail'];
    expect(d.next([full({ argv: ['codex'], detail })])?.changed).toEqual([{ id: 'x', detail }]);
    expect(d.next([full({ argv: ['codex'], detail: null, lastLine: '> typing' })])?.changed).toEqual([{ id: 'x', detail: null, lastLine: '> typing' }]);
  });
});

describe('shortArgv', () => {
  it('keeps a command line up to the limit whole (the same array), its length stated', () => {
    const argv = ['codex', '--yolo'];
    expect(shortArgv(argv, 12)).toEqual({ argv, argvLength: 12 });
    expect(shortArgv(argv, 12).argv).toBe(argv);
    expect(shortArgv([], 12)).toEqual({ argv: [], argvLength: 0 });
  });

  it('past the limit: the arguments up to it, the one crossing it cut with …, the whole length', () => {
    expect(shortArgv(['claude', '-p', 'fix the flaky login test please'], 20)).toEqual({ argv: ['claude', '-p', 'fix the f…'], argvLength: 41 });
    // Cut right after an argument: the next one would be only the ellipsis plus its space.
    expect(shortArgv(['claude', '-p', 'x'], 9)).toEqual({ argv: ['claude', '-p'], argvLength: 11 });
    expect(shortArgv(['claude', '-p', 'xyz'], 12)).toEqual({ argv: ['claude', '-p', 'x…'], argvLength: 13 });
    // Never half of a surrogate pair.
    expect(shortArgv(['a😀b'], 3)).toEqual({ argv: ['a…'], argvLength: 4 });
  });

  it('a 400-word prompt: the session carries at most the limit, the same object on every rebuild', () => {
    const argv = ['claude', '--dangerously-skip-permissions', ...'please refactor the module '.repeat(100).split(' ')];
    const a = shortArgv(argv);
    expect(a.argv.join(' ').length).toBeLessThanOrEqual(512);
    expect(a.argv.join(' ').length).toBeGreaterThan(500);
    expect(a.argvLength).toBe(argv.join(' ').length);
    expect(shortArgv(argv)).toBe(a);
  });
});

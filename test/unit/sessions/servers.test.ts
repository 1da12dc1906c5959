import { describe, expect, it } from 'vitest';
import { watchedServers } from '../../../src/main/tmux/server.js';

describe('watchedServers', () => {
  it.each<[string[], boolean, string[]]>([
    [[], true, ['default']],
    [['a', 'b', 'a'], true, ['default', 'a', 'b']],
    [['a'], false, ['a']],
    [['default', 'a'], true, ['default', 'a']],
    [[], false, []],
  ])('%j (default %s) → %j', (sockets, watchDefault, names) => {
    expect(watchedServers(sockets, watchDefault).map((s) => s.name)).toEqual(names);
  });

  it('names the default server by no socket at all', () => {
    expect(watchedServers([], true)[0]?.socket).toBeNull();
  });
});

import { useEffect, useMemo, useRef, useState } from 'react';
import { agentSessions, useFleet } from '../data/fleet';
import { NAV } from './Sidebar';
import { navigate } from './route';
import { openNewTask } from './shortcuts';

interface PaletteCommand {
  id: string;
  label: string;
  hint: string;
  run(): void;
}

/** Ctrl/Cmd+K: every page, every agent pane, a task by number, "new task". */
export function CommandPalette({ open, onClose }: { open: boolean; onClose(): void }) {
  const { sessions } = useFleet();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (open) {
      setQuery('');
      setSelected(0);
      setTimeout(() => input.current?.focus(), 0);
    }
  }, [open]);

  const commands = useMemo<PaletteCommand[]>(() => {
    const list: PaletteCommand[] = [
      ...NAV.map((n) => ({ id: `go-${n.page}`, label: `Go to ${n.label}`, hint: n.key, run: () => navigate(n.page) })),
      {
        id: 'new-task',
        label: 'New task…',
        hint: 'n',
        run: openNewTask,
      },
      ...agentSessions(sessions).map((s) => ({ id: `session-${s.id}`, label: `Open session ${s.name}`, hint: `${s.agent} · ${s.state}`, run: () => navigate('sessions', s.id) })),
    ];
    const taskId = /^#?(\d+)$/.exec(query.trim());
    if (taskId) list.unshift({ id: 'task', label: `Open task #${taskId[1]}`, hint: 'task', run: () => navigate('tasks', taskId[1]) });
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return list.filter((c) => taskId && c.id === 'task' ? true : words.every((w) => `${c.label} ${c.hint}`.toLowerCase().includes(w)));
  }, [sessions, query]);

  if (!open) return null;
  const choose = (c: PaletteCommand | undefined): void => {
    if (!c) return;
    onClose();
    c.run();
  };
  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          value={query}
          placeholder="Type a page, a session name, a task number…"
          onChange={(e) => {
            setQuery(e.target.value);
            setSelected(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') setSelected((i) => Math.min(i + 1, commands.length - 1));
            else if (e.key === 'ArrowUp') setSelected((i) => Math.max(i - 1, 0));
            else if (e.key === 'Enter') choose(commands[selected]);
            else return;
            e.preventDefault();
          }}
        />
        <ul>
          {commands.slice(0, 50).map((c, i) => (
            <li key={c.id} className={i === selected ? 'selected' : ''} onMouseEnter={() => setSelected(i)} onClick={() => choose(c)}>
              <span>{c.label}</span>
              <span className="muted small">{c.hint}</span>
            </li>
          ))}
          {commands.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  );
}

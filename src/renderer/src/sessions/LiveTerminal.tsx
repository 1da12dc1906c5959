import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useReadOnly } from '../data/appInfo';
import { errorMessage } from '../data/format';

/**
 * The pane as a live terminal: output arrives as `terminal.data` (to this page
 * only), is written to xterm, and acknowledged once xterm has drawn it, so the core
 * holds back a flooding pane instead of swamping the page. The view always has the
 * pane's own size (it follows `terminal.resized`): looking never resizes the agent's
 * pane, so a pane larger than the box scrolls. Keys go to the pane, never to tmux.
 */
export function LiveTerminal({ sessionId }: { sessionId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<string>('connecting…');
  const readOnly = useReadOnly();

  useEffect(() => {
    const el = host.current;
    if (!el || readOnly === null) return;
    const styles = getComputedStyle(document.documentElement);
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: "'JetBrains Mono', ui-monospace, Menlo, monospace",
      fontSize: 13,
      scrollback: 5000,
      disableStdin: readOnly,
      theme: { background: styles.getPropertyValue('--term-bg').trim() || '#0f1115', foreground: styles.getPropertyValue('--term-fg').trim() || '#e6e8ee' },
    });
    term.open(el);

    let terminalId: string | null = null;
    let closed = false;
    const offs: Array<() => void> = [];
    offs.push(
      window.architect.on('terminal.data', (p) => {
        if (p.terminalId !== terminalId) return;
        // The terminal service counts what it sent in string length (UTF-16 units), so ack the same.
        const bytes = p.data.length;
        term.write(p.data, () => {
          if (terminalId) void window.architect.terminal.ack({ terminalId, bytes }).catch(() => undefined);
        });
      }),
      window.architect.on('terminal.resized', (p) => {
        if (p.terminalId === terminalId) term.resize(p.cols, p.rows);
      }),
      window.architect.on('terminal.exit', (p) => {
        if (p.terminalId !== terminalId) return;
        terminalId = null;
        setStatus(`closed: ${p.reason}`);
        term.write(`\r\n\x1b[2m[terminal closed: ${p.reason}]\x1b[0m\r\n`);
      }),
    );
    const input = term.onData((data) => {
      if (terminalId && !readOnly) void window.architect.terminal.input({ terminalId, data }).catch((e: unknown) => setStatus(errorMessage(e)));
    });

    window.architect.terminal
      .open({ sessionId })
      .then(({ terminalId: id, cols, rows }) => {
        // Unmounted while opening (StrictMode, quick navigation): give it back at once.
        if (closed) return void window.architect.terminal.close({ terminalId: id }).catch(() => undefined);
        terminalId = id;
        term.resize(cols, rows);
        setStatus(readOnly ? 'live, read-only' : 'live');
        term.focus();
      })
      .catch((e: unknown) => setStatus(`could not open the terminal: ${errorMessage(e)}`));

    return () => {
      closed = true;
      offs.forEach((off) => off());
      input.dispose();
      if (terminalId) void window.architect.terminal.close({ terminalId }).catch(() => undefined);
      term.dispose();
    };
  }, [sessionId, readOnly]);

  return (
    <div className="terminal-wrap">
      <div className="terminal-status muted small" data-testid="terminal-status">
        Terminal: {status}
      </div>
      <div className="terminal" ref={host} data-testid="terminal" />
    </div>
  );
}

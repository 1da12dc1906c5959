import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { errorMessage } from '../data/format';

/** Refit at most this often while the window is being dragged. */
const RESIZE_DEBOUNCE_MS = 80;

/**
 * The pane as a live, interactive terminal: output arrives as `terminal.data`, is
 * written to xterm, and acknowledged once xterm has drawn it, so the core can hold
 * back a flooding pane (flow control) instead of swamping the page.
 */
export function LiveTerminal({ sessionId }: { sessionId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<string>('connecting…');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const styles = getComputedStyle(document.documentElement);
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: "'JetBrains Mono', ui-monospace, Menlo, monospace",
      fontSize: 13,
      scrollback: 5000,
      theme: { background: styles.getPropertyValue('--term-bg').trim() || '#0f1115', foreground: styles.getPropertyValue('--term-fg').trim() || '#e6e8ee' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();

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
      window.architect.on('terminal.exit', (p) => {
        if (p.terminalId !== terminalId) return;
        setStatus(`closed: ${p.reason}`);
        term.write(`\r\n\x1b[2m[terminal closed: ${p.reason}]\x1b[0m\r\n`);
      }),
    );
    const input = term.onData((data) => {
      if (terminalId) void window.architect.terminal.input({ terminalId, data }).catch((e: unknown) => setStatus(errorMessage(e)));
    });
    const resize = term.onResize(({ cols, rows }) => {
      if (terminalId) void window.architect.terminal.resize({ terminalId, cols, rows }).catch(() => undefined);
    });
    let timer: ReturnType<typeof setTimeout> | null = null;
    const observer = new ResizeObserver(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => fit.fit(), RESIZE_DEBOUNCE_MS);
    });
    observer.observe(el);

    window.architect.terminal
      .open({ sessionId, cols: Math.max(10, term.cols), rows: Math.max(5, term.rows) })
      .then(({ terminalId: id }) => {
        // Unmounted while opening (StrictMode, quick navigation): give it back at once.
        if (closed) return void window.architect.terminal.close({ terminalId: id }).catch(() => undefined);
        terminalId = id;
        setStatus('live');
        term.focus();
      })
      .catch((e: unknown) => setStatus(`could not open the terminal: ${errorMessage(e)}`));

    return () => {
      closed = true;
      offs.forEach((off) => off());
      input.dispose();
      resize.dispose();
      observer.disconnect();
      if (timer) clearTimeout(timer);
      if (terminalId) void window.architect.terminal.close({ terminalId }).catch(() => undefined);
      term.dispose();
    };
  }, [sessionId]);

  return (
    <div className="terminal-wrap">
      <div className="terminal-status muted small" data-testid="terminal-status">
        Terminal: {status}
      </div>
      <div className="terminal" ref={host} data-testid="terminal" />
    </div>
  );
}

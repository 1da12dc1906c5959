import fs from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';

/** A WebSocket onto a console with the token in the header (how scripts connect). */
export async function openSocket(port: number, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { 'x-architect-token': token }, maxPayload: 1024 * 1024 * 1024 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

/** Sends one frame and resolves with the next reply frame that is not a notification. */
export function request(ws: WebSocket, frame: unknown, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('no reply'));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(String(data)) as unknown;
      if (!Array.isArray(msg) && typeof msg === 'object' && msg !== null && 'method' in msg) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

let nextId = 1;

/**
 * One JSON-RPC call: a fresh id, resolved by the reply that carries that id (notifications and
 * replies to other calls on the same socket are skipped, so concurrent calls cannot swap answers).
 */
export function call(ws: WebSocket, method: string, params: unknown = {}, timeoutMs = 30_000): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const id = `c${nextId++}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`no reply to ${method} (id ${id}) in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(String(data)) as unknown;
      if (Array.isArray(msg) || typeof msg !== 'object' || msg === null || !('id' in msg) || msg.id !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(msg as { result?: unknown; error?: { code: number; message: string } });
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}

/** Writes raw bytes to the port and returns whatever comes back before the peer closes (or timeoutMs). */
// 20 s: every caller expects an answer or a close, which ends the wait at once; a console
// still starting on a machine at load 15 answered nothing within 5 s (CI, 2026-12-07).
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('end', done);
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

export function upgradeRequest(host: string, extra = ''): string {
  return (
    `GET /api HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** Resident memory of a process in MB (Linux). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

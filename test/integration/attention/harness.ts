// A real console core for attention tests: a temp copy of config/ with the test's
// notifications.yaml, a temp SQLite file, a private tmux server running scripted
// agents that show their screens on cue, and a webhook receiver on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CommandInput, CommandName, CommandResult, Session } from '../../../src/shared/api.js';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import type { PostgresTarget } from '../../../src/main/store/postgres/url.js';
import { PrivateTmux } from '../../support/tmux.js';

const DIALOG_AGENT = path.resolve(import.meta.dirname, '../../support/dialog-agent.mjs');

export interface Received {
  atMs: number;
  body: Record<string, unknown>;
  status: number;
}

/** An HTTP receiver that records every POST and answers with the queued statuses (then 200). */
export class Receiver {
  readonly posts: Received[] = [];
  private readonly statuses: number[] = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const status = this.statuses.shift() ?? 200;
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { raw: text };
        }
        this.posts.push({ atMs: Date.now(), body, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver says no');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next requests get these statuses, in order. */
  answerWith(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  of(predicate: (body: Record<string, unknown>) => boolean): Received[] {
    return this.posts.filter((p) => predicate(p.body));
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The machine name a harness console on a shared queue gives its sessions (`SOCKET@testhost:w1`: its server is a private `-L` one). */
export const SHARED_HOST = 'testhost';

export interface Agent {
  /** Its session's name as the console names it: `w1`, or on a shared queue `SOCKET@testhost:w1`. */
  readonly name: string;
  pane: string;
  /** Appends a cue (idle, working, approval [CMD], question, error) the agent draws at once. */
  cue(screen: string): number;
  /** Answers the agent received (keys pressed in a dialog). */
  answers(): Array<{ screen: string; key: string }>;
}

export class AttentionConsole {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-attention-'));
  readonly configDir = path.join(this.dir, 'config');
  readonly dbPath = path.join(this.dir, 'architect.db');
  readonly tmux = new PrivateTmux();
  core!: Core;
  /** Started on a shared queue: its sessions are named `SOCKET@testhost:session`. */
  private shared = false;
  private readonly bin = path.join(this.dir, 'bin');

  constructor(notificationsYaml: string) {
    fs.cpSync(defaultConfigDir(), this.configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
    this.writeNotifications(notificationsYaml);
    fs.mkdirSync(this.bin);
    fs.copyFileSync(DIALOG_AGENT, path.join(this.bin, 'claude'));
    fs.chmodSync(path.join(this.bin, 'claude'), 0o755);
  }

  writeNotifications(text: string): void {
    this.writeConfig('notifications.yaml', text);
  }

  /** Replaces a base config file as an editor saves it (a new file renamed over the old). */
  writeConfig(name: string, text: string): void {
    const file = path.join(this.configDir, 'base', name);
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }

  /** With sharedQueue: a console on that PostgreSQL queue (its own state in dbPath, as console.db). */
  async start(sharedQueue?: PostgresTarget): Promise<Core> {
    this.shared = sharedQueue !== undefined;
    this.core = await startCore({
      configDir: this.configDir,
      dbPath: this.dbPath,
      sharedQueue,
      queueHost: SHARED_HOST,
      dataDir: this.dir,
      env: null,
      tmuxSockets: [this.tmux.socket],
      watchDefaultTmux: false,
      log: silentLogger,
      runtime: 'node',
      transport: 'websocket',
      dispatch: false,
    });
    return this.core;
  }

  /** A contract command on the core, as a client would call it (without the transport). */
  async call<N extends CommandName>(name: N, params: CommandInput<N> = {} as CommandInput<N>): Promise<CommandResult<N>> {
    const handler = this.core.handlers[name] as (p: unknown) => CommandResult<N> | Promise<CommandResult<N>>;
    return handler(params);
  }

  async session(name: string): Promise<Session | undefined> {
    return (await this.call('sessions.list')).sessions.find((s) => s.name === name);
  }

  /** What a tmux session of this console's server is named on a shared queue. */
  sharedName(session: string): string {
    return `${this.tmux.socket}@${SHARED_HOST}:${session}`;
  }

  /** A scripted `claude` in its own tmux session, idle to begin with. */
  agent(name: string): Agent {
    const control = path.join(this.dir, `${name}.control`);
    const log = path.join(this.dir, `${name}.answers`);
    fs.writeFileSync(control, '');
    const pane = this.tmux.newSession(name, [path.join(this.bin, 'claude'), control, log]);
    const named = (): string => (this.shared ? this.sharedName(name) : name);
    return {
      get name() {
        return named();
      },
      pane,
      cue: (screen) => {
        fs.appendFileSync(control, `${screen}\n`);
        return Date.now();
      },
      answers: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { screen: string; key: string }) : []),
    };
  }

  /** Stops the core and starts a new one on the same database, config and tmux server. */
  async restart(): Promise<Core> {
    await this.core.stop();
    return this.start();
  }

  async stop(): Promise<void> {
    await this.core?.stop().catch(() => undefined);
    this.tmux.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

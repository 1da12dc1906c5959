import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServersFile } from '../../../src/main/config/schemas/servers.js';
import type { TmuxServer } from '../../../src/main/tmux/server.js';
import { serversToWatch } from '../../../src/main/tmux/watched-servers.js';
import { PrivateTmux } from '../../support/tmux.js';
import { RealSshd } from './real-sshd.js';

const FAKE_AGENT = path.resolve(import.meta.dirname, '../../support/fake-agent.mjs');

/**
 * A "remote host" reached through a real sshd: a private tmux server (`tmux -L test-…`)
 * started and fed over ssh, so its panes run with what an ssh login gives (sshd's PATH,
 * no UTF-8 locale), and the fake agent installed on the remote PATH as `claude`.
 */
export class RemoteHost {
  readonly tmux = new PrivateTmux();

  private constructor(readonly sshd: RealSshd) {}

  static async start(): Promise<RemoteHost> {
    const host = new RemoteHost(await RealSshd.start());
    // The node that runs the tests, by absolute path: an ssh login's PATH may not have one.
    const agent = fs.readFileSync(FAKE_AGENT, 'utf8').replace(/^#!.*\n/, `#!${process.execPath}\n`);
    fs.writeFileSync(path.join(host.sshd.remoteBin, 'claude'), agent, { mode: 0o755 });
    return host;
  }

  /** A tmux command on the remote server, over the test's own ssh connection. */
  run(...args: string[]): string {
    return this.sshd.run(['tmux', '-L', this.tmux.socket, '-f', '/dev/null', ...args]);
  }

  /** A detached remote session running argv; its pane id. */
  newSession(name: string, argv: string[], size = { width: 100, height: 30 }): string {
    return this.run('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', name, '-x', String(size.width), '-y', String(size.height), ...argv).trim();
  }

  /** The servers.yaml entry for this host. */
  entry(name: string): Record<string, unknown> {
    return { name, host: this.sshd.host, port: this.sshd.port, tmux_socket: this.tmux.socket, identity_file: this.sshd.identityFile, ssh_config: this.sshd.sshConfig };
  }

  /** The server exactly as the console builds it from servers.yaml. */
  server(name: string, controlDir: string): TmuxServer {
    return serversToWatch([], ServersFile.parse({ version: '1.0', ssh_hosts: [this.entry(name)] }), controlDir).servers[0]!;
  }

  /** Closes the shared connection the product opened (it would otherwise linger for ControlPersist). */
  closeMaster(server: TmuxServer): void {
    const ssh = server.ssh!;
    try {
      execFileSync('ssh', ['-F', ssh.configFile!, '-p', String(ssh.port), '-o', `ControlPath=${path.join(ssh.controlDir!, 'ssh-%C')}`, '-O', 'exit', ssh.host], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // none running
    }
  }

  async stop(): Promise<void> {
    // The tmux server runs on this very machine: killed here even when sshd is down.
    // kill-server waits for its clients to leave; one whose ssh session died unseen
    // would keep it alive, so the server and its clients go by pid as well.
    let pids: number[] = [];
    try {
      pids = this.tmux.run('display-message', '-p', '#{pid}').split('\n').concat(this.tmux.run('list-clients', '-F', '#{client_pid}').split('\n')).filter(Boolean).map(Number);
    } catch {
      // not running
    }
    this.tmux.kill();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // tmux 3.3 leaves its socket file behind.
    fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${os.userInfo().uid}`, this.tmux.socket), { force: true });
    await this.sshd.stop();
  }
}

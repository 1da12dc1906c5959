// A console stand-in for control-clients.test.ts: follows every session of a private
// tmux server with SessionClients, says "attached N" once every client is started,
// closes them all when told "close" on stdin, and otherwise waits to be killed. With
// "helper" after the socket, a spawn helper starts the clients, as in the console.
import { SessionClients } from '../../../src/main/sessions/control-clients.js';
import { discover } from '../../../src/main/tmux/discover.js';
import { tmuxServer } from '../../../src/main/tmux/server.js';
import { installSpawner, Spawner } from '../../../src/main/tmux/spawner.js';

// With "helper": clients are started by a spawn helper, as in the console.
if (process.argv[3] === 'helper') {
  const spawner = new Spawner();
  spawner.start();
  installSpawner(spawner);
}

const server = tmuxServer(process.argv[2]!);
const clients = new SessionClients(() => ({ onOutput: () => {}, onLayoutChange: () => {}, onExit: () => {} }));
clients.sync(server, await discover(server), true);
const started = setInterval(() => {
  if (clients.starting > 0) return;
  clearInterval(started);
  process.stdout.write(`attached ${clients.size}\n`);
}, 20);
process.stdin.setEncoding('utf8').on('data', (d: string) => {
  if (!d.includes('close')) return;
  clients.closeAll();
  process.stdout.write('closed\n');
});
setInterval(() => {}, 60_000);

// The reader process's code, kept as plain JavaScript text and started with
// `node -e` (Electron's binary with ELECTRON_RUN_AS_NODE in the desktop app): it
// then runs the same under tsx, vitest, plain Node and a bundled Electron main,
// with no separate build entry. It opens its own read-only connection and caches a
// prepared statement per SQL text.
//
// Why a process, not a thread: SQLite runs a query in C, where neither a worker
// thread's terminate() nor anything else in JavaScript reaches it (better-sqlite3
// does not expose sqlite3_interrupt or a progress handler). A process can be killed.
export const READER_SOURCE = `
const { Worker } = require('node:worker_threads');
const Database = require(process.env.ARCHITECT_READER_DRIVER);
const config = JSON.parse(process.env.ARCHITECT_READER_CONFIG);

// A stuck query must not outlive the console (killed with -9, it cannot kill us):
// a thread of our own notices the parent is gone even while SQLite holds the main one.
new Worker(
  "const { workerData } = require('node:worker_threads'); setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, 1000);",
  { eval: true, workerData: { parent: process.ppid } },
).unref();
process.on('disconnect', () => process.exit(0));

const db = new Database(config.dbPath, Object.assign({ readonly: true, fileMustExist: true }, config.nativeBinding ? { nativeBinding: config.nativeBinding } : {}));
db.pragma('busy_timeout = ' + config.busyTimeoutMs);
const prepared = new Map();
process.on('message', (msg) => {
  const started = performance.now();
  try {
    let stmt = prepared.get(msg.sql);
    if (!stmt) {
      stmt = db.prepare(msg.sql);
      if (!stmt.readonly) throw new Error('refused: the statement writes');
      prepared.set(msg.sql, stmt);
    }
    const rows = [];
    for (const row of stmt.iterate(msg.params)) {
      if (rows.length === config.maxRows) throw new Error('returned more than ' + config.maxRows + ' rows: add a LIMIT');
      rows.push(row);
    }
    process.send({ id: msg.id, ok: true, rows, ms: performance.now() - started });
  } catch (err) {
    process.send({ id: msg.id, ok: false, message: String((err && err.message) || err) });
  }
});
process.send({ ready: true });
`;

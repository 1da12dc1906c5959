// The query worker's code, kept as plain JavaScript text and started with
// `eval: true`: it then runs the same under tsx, vitest, plain Node and a bundled
// Electron main, with no separate build entry. It opens its own read-only
// connection (better-sqlite3 is synchronous: a slow query here never blocks the
// main thread) and caches a prepared statement per SQL text.
export const QUERY_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath, Object.assign({ readonly: true, fileMustExist: true }, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}));
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const prepared = new Map();
parentPort.on('message', (msg) => {
  const started = performance.now();
  try {
    let stmt = prepared.get(msg.sql);
    if (!stmt) {
      stmt = db.prepare(msg.sql);
      if (!stmt.readonly) throw new Error('refused: the statement writes');
      prepared.set(msg.sql, stmt);
    }
    const rows = stmt.all(msg.params);
    parentPort.postMessage({ id: msg.id, ok: true, rows, ms: performance.now() - started });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: String(err && err.message || err) });
  }
});
`;

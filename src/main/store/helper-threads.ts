// What the console's helper threads (the index builder, the write worker, the
// checkpointer) may hold. Each is a V8 isolate of its own inside the console's
// process, so its heap counts in the console's RSS (budget 250 MB, issue 20). V8's
// default young generation grows to two 16 MB semi-spaces under allocation: the
// write worker, reading and writing the 1M seed's ~45k timed-out tasks 500 at a time,
// held ~45 MB where ~17 MB do with these limits (ad-hoc: a thread allocating 500-row
// batches for 3 s). These threads do their work in SQLite, not in JavaScript, so a
// small young generation costs them a few more scavenges, never a stall of the
// console's own thread.
import type { ResourceLimits } from 'node:worker_threads';

export const HELPER_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

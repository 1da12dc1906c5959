import { bothDialects } from './dialect.js';

// Indexes created from queries.yaml, remembered so a reload neither redoes them nor
// forgets to drop one that left the file.
export const name = 'config_indexes';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE config_indexes (
  name       TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (${d.now})
);
`);

import { PG_NOW, SQL_NOW } from '../time.js';

// Indexes created from queries.yaml, remembered so a reload neither redoes them nor
// forgets to drop one that left the file.
export const name = 'config_indexes';

export const sql = `
CREATE TABLE config_indexes (
  name       TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (${SQL_NOW})
);
`;

export const postgres = `
CREATE TABLE config_indexes (
  name       TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (${PG_NOW})
);
`;

import * as m001 from './001_tasks.js';
import * as m002 from './002_sessions.js';
import * as m003 from './003_operations.js';
import * as m004 from './004_workflows.js';
import * as m005 from './005_config_indexes.js';
import * as m006 from './006_completion_counts.js';
import * as m007 from './007_task_table_order.js';
import * as m008 from './008_claim_path_indexes.js';
import * as m009 from './009_route_to.js';
import * as m010 from './010_queue_indexes.js';
import * as m011 from './011_recent_completions.js';
import * as m012 from './012_attention.js';
import * as m013 from './013_task_terminal_states.js';
import * as m014 from './014_held_environments.js';
import * as m015 from './015_task_leases.js';
import * as m016 from './016_urgent_tasks.js';
import * as m017 from './017_held_since.js';
import * as m018 from './018_open_task_minutes.js';
import * as m019 from './019_type_hours.js';
import * as m020 from './020_shared_task_refs.js';
import * as m021 from './021_session_hours.js';
import * as m022 from './022_shared_current_task.js';

export interface Migration {
  /** Becomes PRAGMA user_version (SQLite) or architect_schema.version (PostgreSQL) once applied. */
  version: number;
  name: string;
  /** The SQLite statements. */
  sql: string;
  /** The PostgreSQL statements: the file's `postgres` export (from the same source as `sql` where it uses bothDialects), else `sql` itself. */
  postgres: string;
}

/** One file per migration, both dialects from one source (the same text, or bothDialects). */
interface MigrationFile {
  name: string;
  sql: string;
  postgres?: string;
}

const files: readonly MigrationFile[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012, m013, m014, m015, m016, m017, m018, m019, m020, m021, m022];

/**
 * Add-only: never edit a shipped migration, add the next number (the SQLite text of
 * each shipped one is pinned by test/unit/store/migration-dialects.test.ts). A new
 * migration gives its SQL for both engines, written once where it can be
 * (`bothDialects` in dialect.ts substitutes id, 64-bit and time types and holds each
 * engine's own blocks); test/integration/postgres/migrations.test.ts applies every
 * one to a real PostgreSQL and compares the schema with SQLite's.
 */
export const migrations: readonly Migration[] = files.map((m, i) => ({
  version: i + 1,
  name: m.name,
  sql: m.sql,
  postgres: m.postgres ?? m.sql,
}));

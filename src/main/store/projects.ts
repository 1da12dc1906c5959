import path from 'node:path';
import type Database from 'better-sqlite3';

/** A project is a folder (usually a git repository); tasks belong to one, sessions map to one by cwd. */
export interface Project {
  id: number;
  name: string;
  path: string;
  createdAt: string;
}

const SELECT_PROJECT = 'SELECT id, name, path, created_at AS createdAt FROM projects';

/** Absolute, no trailing separator: so prefix matching on folder boundaries works. */
export function normaliseProjectPath(folder: string): string {
  const resolved = path.resolve(folder);
  return resolved.length > 1 && resolved.endsWith(path.sep) ? resolved.slice(0, -1) : resolved;
}

export class ProjectRepository {
  private readonly insert: Database.Statement;
  private readonly byPath: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly byName: Database.Statement;
  private readonly containing: Database.Statement;
  private readonly all: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO projects(name, path) VALUES (?, ?) ON CONFLICT(path) DO NOTHING`,
    );
    this.byPath = db.prepare(`${SELECT_PROJECT} WHERE path = ?`);
    this.byId = db.prepare(`${SELECT_PROJECT} WHERE id = ?`);
    this.byName = db.prepare(`${SELECT_PROJECT} WHERE name = ? ORDER BY id`);
    // The deepest project folder that contains the cwd (on a folder boundary:
    // /src/app does not contain /src/application). substr, not LIKE: paths may hold % and _.
    this.containing = db.prepare(
      `${SELECT_PROJECT} WHERE path = @cwd OR substr(@cwd, 1, length(path) + 1) = path || '/'
       ORDER BY length(path) DESC LIMIT 1`,
    );
    this.all = db.prepare(`${SELECT_PROJECT} ORDER BY name`);
  }

  /** Adds a folder as a project; adding the same folder again returns the existing one. */
  add(folder: string, name?: string): Project {
    const where = normaliseProjectPath(folder);
    this.insert.run(name ?? path.basename(where), where);
    return this.byPath.get(where) as Project;
  }

  get(id: number): Project | null {
    return (this.byId.get(id) as Project | undefined) ?? null;
  }

  findForCwd(cwd: string): Project | null {
    // '' is a folder not known (yet), which path.resolve would turn into our own.
    if (cwd === '') return null;
    return (this.containing.get({ cwd: normaliseProjectPath(cwd) }) as Project | undefined) ?? null;
  }

  /** What an operator types: an id, a name, or a folder. */
  find(ref: string): Project | null {
    if (/^\d+$/.test(ref)) return this.get(Number(ref));
    const named = this.byName.get(ref) as Project | undefined;
    if (named) return named;
    return (this.byPath.get(normaliseProjectPath(ref)) as Project | undefined) ?? null;
  }

  list(): Project[] {
    return this.all.all() as Project[];
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { QueriesFile } from '../config/schemas/queries.js';

/**
 * The CLI's way to get queries.yaml until the config engine's loader is wired in:
 * base/queries.yaml only (no layering), validated by the same schema.
 */
export function loadQueriesForCli(configDir: string): QueriesFile {
  const file = path.join(configDir, 'base', 'queries.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read queries (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass --config DIR`);
  }
  const parsed = QueriesFile.safeParse(parse(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(issues.join('\n'));
  }
  return parsed.data;
}

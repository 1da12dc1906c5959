// Writes config/schema/*.schema.json from the zod schemas, so editors (yaml-language-server)
// complete and check the YAML. Run: npx tsx scripts/gen-schemas.ts
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONFIG_FILE_KEYS, CONFIG_FILES } from '../src/main/config/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'config', 'schema');
fs.mkdirSync(outDir, { recursive: true });

function toJson(schema: z.ZodType): Record<string, unknown> {
  // io: 'input' — what may be written in the file (defaults make keys optional).
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

const sections: Record<string, unknown> = {};
for (const key of CONFIG_FILE_KEYS) {
  const json = toJson(CONFIG_FILES[key].schema);
  fs.writeFileSync(path.join(outDir, `${key}.schema.json`), JSON.stringify({ title: `config/base/${key}.yaml`, ...json }, null, 2) + '\n');
  sections[key] = { $ref: `./${key}.schema.json` };
}
// Override files hold partial sections; completion is what matters there, so keys are
// offered but nothing is required.
const overrides = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'config/environments/*.yaml, config/local/overrides.yaml',
  description: 'Sections named after the config files; objects merge deeply, lists replace, null deletes a key.',
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(CONFIG_FILE_KEYS.map((k) => [k, { type: 'object', description: `overrides for base/${k}.yaml` }])),
};
fs.writeFileSync(path.join(outDir, 'overrides.schema.json'), JSON.stringify(overrides, null, 2) + '\n');
process.stdout.write(`wrote ${CONFIG_FILE_KEYS.length + 1} schemas to ${path.relative(process.cwd(), outDir)}\n`);

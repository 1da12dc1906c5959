// Bundles the CLI (and the web console's server) for plain Node: out/cli/architect.js.
// Dependencies stay external and load from node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main/cli/index.ts'],
  outfile: 'out/cli/architect.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __architectRequire } from 'node:module'; const require = __architectRequire(import.meta.url);" },
});

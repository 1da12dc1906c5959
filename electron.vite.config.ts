import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

// electron-vite picks the main process's output (ES modules, the Node target) from
// the installed electron package's version. Electron is an optional dependency that
// npm drops when its binary cannot be downloaded; the build must come out the same
// then, so it takes the major version from package.json's range instead.
try {
  createRequire(import.meta.url).resolve('electron/package.json');
} catch {
  const range = (JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies.electron;
  const major = /\d+/.exec(range ?? '')?.[0];
  if (major) process.env.ELECTRON_MAJOR_VER ??= major;
}

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(__dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    // A sandboxed preload cannot require node_modules: bundle everything (zod included;
    // only `electron` stays outside), as CommonJS. test/unit/electron/built-preload.test.ts
    // runs the result the way a sandboxed window does.
    build: {
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // electron-vite leaves the renderer unminified (it loads from disk in Electron);
      // `architect serve` sends it to browsers: minified, the first script is ~0.9 MB
      // less to parse before the first paint.
      // ARCHITECT_NO_MINIFY=1 npm run build: readable function names in a page's CPU profile
      // (the console bench's ARCHITECT_BENCH_PAGE_PROFILE).
      minify: !process.env.ARCHITECT_NO_MINIFY,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});

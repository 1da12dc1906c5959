import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SQLITE_ONLY_IN_STORE = { name: 'better-sqlite3', allowTypeImports: true, message: 'Only src/main/store/ uses the SQLite driver; elsewhere import its types only.' };
const PTY_ONLY_IN_TERMINAL = { group: ['node-pty', 'node-pty/*'], message: 'Only src/main/terminal/ may use node-pty (terminals are tmux control-mode views there).' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'config/schema/**', '.electron-native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the composition root, its window/IPC glue and the preload may import electron.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/main/index.ts', 'src/main/electron/**', 'src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only src/main/index.ts, src/main/electron/ and src/preload/ import electron.' }] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'electron', 'react', 'fs', 'path', 'child_process'] }],
    },
  },
  {
    // The preload runs in the renderer's process with Node's powers: it holds the IPC
    // wire and nothing of the main process (issue 14).
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!electron$|\\.\\./shared/)', message: 'The preload imports only from src/shared/ (and electron).' }] }],
    },
  },
  {
    // Native drivers have one home each (issue 14): the SQLite driver is the store's
    // (better-sqlite3 only under src/main/store/, type-only imports excepted) and a pty
    // library the terminal's (node-pty only under src/main/terminal/; not a dependency
    // today — terminals are tmux control-mode views — but a future use lands there).
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/main/store/**', 'src/main/terminal/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [SQLITE_ONLY_IN_STORE], patterns: [PTY_ONLY_IN_TERMINAL] }] },
  },
  {
    files: ['src/main/store/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [PTY_ONLY_IN_TERMINAL] }] },
  },
  {
    files: ['src/main/terminal/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [SQLITE_ONLY_IN_STORE] }] },
  },
  {
    // SQL lives in the store's repositories (issue 14): no statement is prepared on a
    // database handle outside src/main/store/. queries/ is the named-query reader pool,
    // which prepares the operator's own SQL by design.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/store/**', 'src/main/queries/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='prepare'][callee.object.property.name=/^(writer|reader|db)$/]",
          message: 'SQL belongs in a repository under src/main/store/ (issue 14).',
        },
        {
          selector: "CallExpression[callee.property.name='prepare'][callee.object.name=/^(writer|reader|db)$/]",
          message: 'SQL belongs in a repository under src/main/store/ (issue 14).',
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The SQLite driver is the store's (issue 14): imported only under src/main/store/ (types excepted).
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/main/store/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', allowTypeImports: true, message: 'Only src/main/store/ uses the SQLite driver; elsewhere import its types only.' }] }],
    },
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

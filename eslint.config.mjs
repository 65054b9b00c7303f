// ESLint flat config: typescript-eslint's type-aware rules over every TypeScript room,
// plain recommended rules over the .mjs scripts and the CommonJS bin stub; formatting is Prettier's (npm run format).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/out/', 'dist/', 'bench/out/', '.vscode-test/'] },
  js.configs.recommended,
  {
    // A `let` that a callback may read before its one assignment (a timer cleared by an early
    // finish) cannot be a `const`: that read would throw in the temporal dead zone.
    rules: { 'prefer-const': ['error', { ignoreReadBeforeAssign: true }] },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // node:test's test() and describe() return promises the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
    },
  },
  {
    // The protocol follows vscode-eslint's idiom: one namespace per message (method + type).
    files: ['shared/src/**/*.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  // server/bin/pacchettino.js: the CommonJS stub npm links as the `pacchettino` command.
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
  prettier,
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'contracts/artifacts/**', '.feedin/**', 'dashboard/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // docs/design.md §Shape: the chain client in contracts/ is the only code that speaks ethers.
      'no-restricted-imports': ['error', { paths: [{ name: 'ethers', message: 'only contracts/ imports ethers; use its chain client' }] }],
    },
  },
  // Tests may use ethers as an independent reference implementation.
  { files: ['contracts/**/*.ts', '**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
  // Type-aware rules over the same program `npm run typecheck` checks (sources and tests).
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  { files: ['dashboard/public/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  // End-to-end tests read the HTTP API as untyped JSON, as any client would.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);

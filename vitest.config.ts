import { defineConfig } from 'vitest/config';

// Workspaces export `source` → src/*.ts so tests run on the TypeScript directly;
// processes the tests spawn (anvil, `feedin up`) run the built dist/ instead.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; test/packaging checks the built output.
    conditions: ['@hookgate/source'],
  },
  ssr: { resolve: { conditions: ['@hookgate/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Real HTTP, Redis and child processes take seconds: only name what is really slow.
    slowTestThreshold: 10_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});

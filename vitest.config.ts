import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The scheme suites that run a second time with core's Web Crypto implementation forced on Node. */
const SCHEME_SUITES = [
  'packages/core/test/schemes.test.ts',
  'packages/core/test/vectors.test.ts',
  'packages/core/test/interop.test.ts',
  'packages/core/test/property.test.ts',
  'packages/core/test/crypto-backend.test.ts',
  'packages/core/test/custom-scheme.test.ts',
  'packages/core/test/senders.test.ts',
  'packages/core/test/sender-variants.test.ts',
  'packages/core/test/rotation.test.ts',
];

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; test/packaging checks the built output.
    conditions: ['@hookgate/source'],
  },
  ssr: { resolve: { conditions: ['@hookgate/source'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Real HTTP, Redis and child processes take seconds: only name what is really slow.
    slowTestThreshold: 10_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
          typecheck: {
            enabled: true,
            include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        extends: true,
        // `#crypto` is what core's package.json maps to node:crypto on Node; here it is Web Crypto,
        // as on Bun, Deno and workers.
        resolve: { alias: { '#crypto': fileURLToPath(new URL('packages/core/src/crypto/web.ts', import.meta.url)) } },
        test: { name: 'web-crypto', include: SCHEME_SUITES },
      },
    ],
  },
});

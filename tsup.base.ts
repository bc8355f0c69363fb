import type { Options } from 'tsup';

/**
 * Every package builds the same way: ESM + CJS + declarations for Node 20, one entry per `exports` subpath.
 * esbuild's own tree shaking (no rollup pass, which warned about every CJS default export); errors only.
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, sourcemap: true, clean: true, target: 'node20', silent: true };
}

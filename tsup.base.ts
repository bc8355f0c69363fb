import type { Options } from 'tsup';

/** Every package builds the same way: ESM + CJS + declarations for Node 20, one entry per `exports` subpath. */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, sourcemap: true, clean: true, target: 'node20', treeshake: true };
}

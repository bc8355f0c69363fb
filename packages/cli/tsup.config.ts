import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild({ index: 'src/index.ts' }),
  // The bin: ESM only, with its shebang.
  {
    ...packageBuild({ cli: 'src/cli.ts' }),
    format: ['esm'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);

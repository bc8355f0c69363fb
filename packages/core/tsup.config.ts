import { packageBuild } from '../../tsup.base.js';

const build = packageBuild({
  index: 'src/index.ts',
  'http/index': 'src/http/index.ts',
  'testing/index': 'src/testing/index.ts',
  // The two crypto implementations; package.json `imports` maps `#crypto` to one of them per runtime.
  'crypto/node': 'src/crypto/node.ts',
  'crypto/web': 'src/crypto/web.ts',
});

export default { ...build, external: ['#crypto'] };

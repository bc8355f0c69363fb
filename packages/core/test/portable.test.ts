/**
 * What the main entry loads must run where there is no Node: no `node:*` import
 * and no use of the `Buffer` global outside the few files allowed them. The
 * workerd tests prove it for today's code paths; this catches a new scheme that
 * reaches for Buffer in a branch those cases do not take.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Node-only by design: the node:crypto implementation, bytes.ts (uses Buffer only where it exists), the Node I/O layer (@hookgate/core/http), and the testing helpers. */
const NODE_ONLY = ['crypto/node.ts', 'bytes.ts', 'http/node.ts', 'http/response.ts', 'testing/'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

test('only the Node-only files import node:* or use the Buffer global', () => {
  const offenders = sources(src)
    .map((file) => relative(src, file))
    .filter((file) => !NODE_ONLY.some((allowed) => file.startsWith(allowed)))
    .filter((file) => {
      const code = readFileSync(join(src, file), 'utf8');
      return /from ['"]node:/.test(code) || /\bBuffer\.(from|alloc|concat|isBuffer|byteLength)\b/.test(code);
    });
  expect(offenders).toEqual([]);
});

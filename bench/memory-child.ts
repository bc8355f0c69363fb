/**
 * Runs alone in a child process with --expose-gc: fills a MemoryStore with
 * `count` completed deliveries and reports the heap it took, per id.
 * The keys are built here as the receiver builds them (`<scheme>:<id>`, from an
 * id read off the wire), so the bytes of the remembered key strings count.
 *
 *   node --expose-gc --import tsx bench/memory-child.ts [count] [ids|cursors]
 *
 * `cursors` fills the ordering side instead: `count` ordering keys
 * (`cus_<uuid>`), each with a cursor advanced once.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@hookgate/core';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-child needs node --expose-gc');
const count = Number(process.argv[2] ?? 1_000_000);
const mode = process.argv[3] ?? 'ids';
if (mode !== 'ids' && mode !== 'cursors') throw new Error(`memory-child: unknown mode ${mode}`);

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage();
}

/**
 * A delivery id as it arrives: a flat string decoded from the request's bytes.
 * (randomUUID() itself returns a rope of ~20 small strings, which would
 * overstate what a real id costs.)
 */
function wireId(prefix = 'msg_'): string {
  return Buffer.from(`${prefix}${randomUUID()}`, 'latin1').toString('latin1');
}

const before = settle();
const store = new MemoryStore({ maxEntries: count, maxCursors: count });
const leaseMs = 60_000;
const ttlMs = 3 * 24 * 60 * 60 * 1000;
const stateTtlMs = 7 * 24 * 60 * 60 * 1000;
let firstCursorKey = '';
for (let i = 0; i < count; i++) {
  if (mode === 'cursors') {
    const key = wireId('cus_');
    if (i === 0) firstCursorKey = key;
    if (!store.advanceCursor(key, undefined, 1, stateTtlMs)) throw new Error(`advance ${i} failed`);
    continue;
  }
  const key = `standard-webhooks:${wireId()}`;
  const claim = store.claim(key, leaseMs);
  if (claim.status !== 'claimed') throw new Error(`claim ${i}: ${claim.status}`);
  store.complete(key, claim.token, ttlMs);
}
const after = settle();
if (mode === 'ids' && store.size !== count) throw new Error(`store holds ${store.size} ids, wanted ${count}`);
if (mode === 'cursors' && store.getCursor(firstCursorKey) !== 1) throw new Error('the first cursor was evicted');

const heap = after.heapUsed - before.heapUsed;
// Memory outside the JS heap (typed arrays, Buffers) counts too, should a store keep any.
const external = after.external - before.external;
process.stdout.write(
  `${JSON.stringify({
    ids: count,
    mode,
    keyExample:
      mode === 'ids'
        ? 'standard-webhooks:msg_00000000-0000-0000-0000-000000000000'
        : 'cus_00000000-0000-0000-0000-000000000000',
    heapBytes: heap,
    externalBytes: external,
    rssBytes: after.rss - before.rss,
    bytesPerId: (heap + external) / count,
    heapBytesPerId: heap / count,
    externalBytesPerId: external / count,
  })}\n`,
);

/**
 * Runs alone in a child process with --expose-gc: fills a MemoryStore with
 * `count` completed deliveries and reports the heap it took, per id.
 * The keys are built here as the receiver builds them (`<scheme>:<id>`, from an
 * id read off the wire), so the bytes of the remembered key strings count.
 */
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@hookgate/core';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-child needs node --expose-gc');
const count = Number(process.argv[2] ?? 1_000_000);

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage();
}

/**
 * A delivery id as it arrives: a flat string decoded from the request's bytes.
 * (randomUUID() itself returns a rope of ~20 small strings, which would
 * overstate what a real id costs.)
 */
function wireId(): string {
  return Buffer.from(`msg_${randomUUID()}`, 'latin1').toString('latin1');
}

const before = settle();
const store = new MemoryStore({ maxEntries: count });
const leaseMs = 60_000;
const ttlMs = 3 * 24 * 60 * 60 * 1000;
for (let i = 0; i < count; i++) {
  const key = `standard-webhooks:${wireId()}`;
  const claim = store.claim(key, leaseMs);
  if (claim.status !== 'claimed') throw new Error(`claim ${i}: ${claim.status}`);
  store.complete(key, claim.token, ttlMs);
}
const after = settle();
if (store.size !== count) throw new Error(`store holds ${store.size} ids, wanted ${count}`);

const heap = after.heapUsed - before.heapUsed;
// Memory outside the JS heap (typed arrays, Buffers) counts too, should a store keep any.
const external = after.external - before.external;
process.stdout.write(
  `${JSON.stringify({
    ids: count,
    keyExample: 'standard-webhooks:msg_00000000-0000-0000-0000-000000000000',
    heapBytes: heap,
    externalBytes: external,
    rssBytes: after.rss - before.rss,
    bytesPerId: (heap + external) / count,
    heapBytesPerId: heap / count,
    externalBytesPerId: external / count,
  })}\n`,
);

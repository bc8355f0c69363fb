import { createHash, randomUUID } from 'node:crypto';

/**
 * The BullMQ job id for a delivery: `hg-` and the dedupe key's SHA-256 in
 * base64url. BullMQ refuses ids with `:` (its key separator) and takes an
 * all-digit id for one of its own counters; this has neither, is the same in
 * every process for the same key (so a second enqueue is ignored while the first
 * job is retained), has a fixed length, and does not show the key itself.
 */
export function jobIdFor(key: string | undefined): string {
  if (key === undefined) return `hg-r-${randomUUID()}`;
  return `hg-${createHash('sha256').update(key).digest('base64url')}`;
}

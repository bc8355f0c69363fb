/**
 * Key layout. Every key is `<prefix><namespace>:{<id>}`: the braces are a
 * Redis Cluster hash tag, so all keys of one delivery (or, later, of one
 * ordering key) hash to the same slot and one script may touch them together.
 *
 *   <prefix>dedupe:{<dedupe key>}   claim (`c:<token>`, PX lease) or done (`d`, PX window)
 *   <prefix>order:{<ordering key>}  the ordering cursor: the last sequence processed (PX state ttl)
 *   <prefix>order-changes           the pub/sub channel announcing every cursor change
 */
export const DEFAULT_PREFIX = 'hookgate:';

export const NAMESPACES = {
  dedupe: 'dedupe',
  /** Sequence cursors, one key per ordering key. */
  order: 'order',
} as const;

export type Namespace = keyof typeof NAMESPACES;

export function keyOf(prefix: string, namespace: Namespace, id: string): string {
  return `${prefix}${NAMESPACES[namespace]}:{${id}}`;
}

export function cursorChannelOf(prefix: string): string {
  return `${prefix}order-changes`;
}

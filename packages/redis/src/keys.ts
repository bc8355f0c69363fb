/**
 * Key layout. Every key is `<prefix><namespace>:{<id>}`: the braces are a
 * Redis Cluster hash tag, so all keys of one delivery (or, later, of one
 * ordering key) hash to the same slot and one script may touch them together.
 *
 *   <prefix>dedupe:{<dedupe key>}   claim (`c:<token>`, PX lease) or done (`d`, PX window)
 *   <prefix>order:{<ordering key>}  the ordering cursor: the last sequence processed (PX state ttl)
 *   <prefix>order-changes           the pub/sub channel announcing every cursor change
 *
 * Redis takes the tag from the first `{` to the first `}` after it. An id that
 * starts with `}` would leave the tag empty, and Redis then hashes the whole key
 * (namespace included), so such an id is written base64url-encoded after a `#`:
 * `<prefix><namespace>:#{<base64url id>}`. No plain id can produce that key.
 */
export const DEFAULT_PREFIX = 'hookgate:';

export const NAMESPACES = {
  dedupe: 'dedupe',
  /** Sequence cursors, one key per ordering key. */
  order: 'order',
} as const;

export type Namespace = keyof typeof NAMESPACES;

export function keyOf(prefix: string, namespace: Namespace, id: string): string {
  if (id.startsWith('}')) return `${prefix}${NAMESPACES[namespace]}:#{${Buffer.from(id).toString('base64url')}}`;
  return `${prefix}${NAMESPACES[namespace]}:{${id}}`;
}

export function cursorChannelOf(prefix: string): string {
  return `${prefix}order-changes`;
}

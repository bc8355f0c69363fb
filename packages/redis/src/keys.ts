/**
 * Key layout. Every key is `<prefix><namespace>:{<id>}`: the braces are a
 * Redis Cluster hash tag, so all keys of one delivery (or, later, of one
 * ordering key) hash to the same slot and one script may touch them together.
 *
 *   <prefix>dedupe:{<dedupe key>}   claim (`c:<token>`, PX lease) or done (`d`, PX window)
 *   <prefix>order:{<ordering key>}  reserved for the ordering cursors of a later release
 */
export const DEFAULT_PREFIX = 'hookgate:';

export const NAMESPACES = {
  dedupe: 'dedupe',
  /** Reserved: sequence cursors live under this namespace, in their own keys. */
  order: 'order',
} as const;

export type Namespace = keyof typeof NAMESPACES;

export function keyOf(prefix: string, namespace: Namespace, id: string): string {
  return `${prefix}${NAMESPACES[namespace]}:{${id}}`;
}

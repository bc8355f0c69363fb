import type { MaybePromise } from '../types.js';

export type ClaimResult =
  | { status: 'claimed'; token: string }
  /** Another owner holds the lease; `retryAfterMs` is how long it has left, if known. */
  | { status: 'in-flight'; retryAfterMs?: number | undefined }
  | { status: 'done' };

/**
 * The dedupe contract. Each operation must be atomic across every process
 * sharing the store. `runStoreConformance` in `@hookgate/core/testing` proves it.
 *
 * `complete` and `renew` act whenever nobody else holds the key; `release`
 * acts only on the token's own live claim. "Nobody else holds the key" means:
 * the token's own claim (live, or with its lease run out), or no entry at all.
 * Another owner's live claim, or a key already done, refuses them.
 */
export interface DedupeStore {
  /** Take the key for `leaseMs`, unless someone holds it or it is already done. */
  claim(key: string, leaseMs: number): MaybePromise<ClaimResult>;
  /**
   * Mark the key processed for `ttlMs`. True when nobody else holds the key (the
   * token's claim, even with its lease run out, or no entry); false when another
   * owner holds a live claim or the key is already done (its window is left as it
   * is). False means the work may have run twice: the receiver reports it.
   */
  complete(key: string, token: string, ttlMs: number): MaybePromise<boolean>;
  /** Forget the claim so a retry is processed, only while `token` still owns it. */
  release(key: string, token: string): MaybePromise<boolean>;
  /**
   * Extend the token's claim to end `leaseMs` from now, so a handler slower than
   * the lease is not run again by a retry. True when nobody else holds the key:
   * the token's claim is extended, or taken again for the token when its lease
   * ran out and no one claimed the key since. False when another owner holds a
   * live claim or the key is done.
   *
   * Optional: a store without it still works, but a handler that outlives
   * `leaseMs` may run again in parallel when the sender retries. Callers stop
   * renewing (and wait for a renewal in flight) before `complete` or `release`.
   */
  renew?(key: string, token: string, leaseMs: number): MaybePromise<boolean>;
  /**
   * Problems with the store's setup worth a warning (e.g. a Redis that may evict
   * dedupe keys), as messages for an operator: never a secret or connection string.
   * Never rejects; an empty list when all is well. Called once at start-up.
   */
  diagnose?(): Promise<readonly string[]>;
}

/**
 * What a store's error may carry to say why the store failed, so the receiver's
 * `store_unavailable` report can name it: a few words such as `'timeout after 1000 ms'`
 * or `'connection refused'`, never a host, URL, key, token or payload.
 */
export interface StoreFailureDetails {
  readonly storeReason: string;
}

/** The `storeReason` of a store's error (or of its cause), if it gives one. */
export function storeReasonOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth++) {
    const reason = (current as Partial<StoreFailureDetails>).storeReason;
    if (typeof reason === 'string' && reason.length > 0) return reason.slice(0, 120);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A cursor changed: `key` has now processed up to `cursor`. */
export type CursorListener = (key: string, cursor: number) => void;

/**
 * Ordering state: one cursor per ordering key, the last sequence processed.
 * `advance` and `raise` must be atomic across every process sharing the store.
 */
export interface OrderStore {
  /** The key's cursor, or undefined when the key is new (or its state expired). */
  getCursor(key: string): MaybePromise<number | undefined>;
  /**
   * Compare-and-set: move the cursor to `next` only while it equals `expected`
   * (undefined: only while the key has no cursor). Refreshes the key's expiry.
   */
  advanceCursor(key: string, expected: number | undefined, next: number, ttlMs: number): MaybePromise<boolean>;
  /**
   * Latest-wins: move the cursor to `next` only if it is greater (or the key is new).
   * Returns the cursor as it was before.
   */
  raiseCursor(
    key: string,
    next: number,
    ttlMs: number,
  ): MaybePromise<{ raised: boolean; previous: number | undefined }>;
  /**
   * Hear every cursor change, from this process or any other sharing the store,
   * so held events wake at once. Optional: without it, held events poll.
   * Returns a function that stops listening.
   */
  onCursorChange?(listener: CursorListener): MaybePromise<() => MaybePromise<void>>;
}

export function isOrderStore(store: unknown): store is OrderStore {
  const candidate = store as Partial<OrderStore> | undefined;
  return (
    typeof candidate?.getCursor === 'function' &&
    typeof candidate.advanceCursor === 'function' &&
    typeof candidate.raiseCursor === 'function'
  );
}

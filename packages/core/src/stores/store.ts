import type { MaybePromise } from '../types.js';

export type ClaimResult =
  | { status: 'claimed'; token: string }
  /** Another owner holds the lease; `retryAfterMs` is how long it has left, if known. */
  | { status: 'in-flight'; retryAfterMs?: number | undefined }
  | { status: 'done' };

/**
 * The dedupe contract. Each operation must be atomic across every process
 * sharing the store. `runStoreConformance` in `@hookgate/core/testing` proves it.
 */
export interface DedupeStore {
  /** Take the key for `leaseMs`, unless someone holds it or it is already done. */
  claim(key: string, leaseMs: number): MaybePromise<ClaimResult>;
  /** Mark the key processed for `ttlMs`, only while `token` still owns the claim. */
  complete(key: string, token: string, ttlMs: number): MaybePromise<boolean>;
  /** Forget the claim so a retry is processed, only while `token` still owns it. */
  release(key: string, token: string): MaybePromise<boolean>;
  /**
   * Extend the claim to `leaseMs` from now, only while `token` still owns it.
   * Optional: without it a handler slower than the lease may be run again by a retry.
   */
  renew?(key: string, token: string, leaseMs: number): MaybePromise<boolean>;
  /** Problems with the store's setup worth a warning (no secrets or connection strings in them). Optional. */
  diagnose?(): Promise<readonly string[]>;
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

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
}

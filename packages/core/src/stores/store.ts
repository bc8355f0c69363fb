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
 * The words a store failure is told in, wherever it is told: a store's `storeReason`
 * (RedisStore's, RedisDeliveryLog's) and the receiver's own reading of an error that
 * gives none (`failureReasonOf`: a custom store's, the queue's). So the 503's message and
 * the onError report say the same of the same outage, whichever path met it. A failure
 * none of them fits reads as its code or class name (`ERR`, `TypeError`), or `it failed`.
 */
export const STORE_FAILURES = {
  /** No answer in time: the store's own bound, the client's command timeout, ETIMEDOUT. */
  timedOut: 'timed out',
  /** Nothing listens at the address (ECONNREFUSED): the server is down or elsewhere. */
  connectionRefused: 'connection refused',
  /** An open connection broke (ECONNRESET, EPIPE, a socket closed under a command). */
  connectionLost: 'connection lost',
  /** The client is closed, offline or gave up reconnecting, and sent nothing. */
  notConnected: 'not connected',
  /** The host name does not resolve (ENOTFOUND, EAI_AGAIN). */
  hostNotFound: 'host not found',
  hostUnreachable: 'host unreachable',
  networkUnreachable: 'network unreachable',
  authenticationRequired: 'authentication required',
  authenticationFailed: 'authentication failed',
  permissionDenied: 'permission denied',
  readOnly: 'read-only replica',
  outOfMemory: 'out of memory',
  /** The server is starting and still loading its data. */
  loading: 'loading its data',
  primaryDown: 'primary down',
  clusterDown: 'cluster down',
  /** The server is running something else that blocks it (a long script). */
  busy: 'busy',
  /** The store answered, but not in the shape its protocol promises. */
  unexpectedReply: 'unexpected reply',
  failed: 'it failed',
} as const;

/** One of STORE_FAILURES' words. */
export type StoreFailure = (typeof STORE_FAILURES)[keyof typeof STORE_FAILURES];

/**
 * What a store's error may carry to say why the store failed, so the receiver's
 * `store_unavailable` report can name it: one of `STORE_FAILURES`' words (e.g.
 * `'timed out'`, `'connection refused'`), never a host, URL, key, token or payload.
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

/** Node's codes for a failed connection. */
const CONNECTION_FAILURES: ReadonlyMap<string, StoreFailure> = new Map([
  ['ETIMEDOUT', STORE_FAILURES.timedOut],
  ['ECONNREFUSED', STORE_FAILURES.connectionRefused],
  ['ECONNRESET', STORE_FAILURES.connectionLost],
  ['EPIPE', STORE_FAILURES.connectionLost],
  ['ENOTFOUND', STORE_FAILURES.hostNotFound],
  ['EAI_AGAIN', STORE_FAILURES.hostNotFound],
  ['EHOSTUNREACH', STORE_FAILURES.hostUnreachable],
  ['ENETUNREACH', STORE_FAILURES.networkUnreachable],
]);

/** What Redis clients (ioredis, node-redis) say, with no code, of a timeout or a connection they do not have. */
const FAILURE_MESSAGES: readonly [RegExp, StoreFailure][] = [
  [/timed? ?out/i, STORE_FAILURES.timedOut],
  [/socket closed unexpectedly/i, STORE_FAILURES.connectionLost],
  [
    /connection is closed|client is (?:closed|offline)|not connected|stream isn't writeable|max retries per request/i,
    STORE_FAILURES.notConnected,
  ],
];

/**
 * Why a store, queue or log call failed, in a few words: the `storeReason` its error
 * gives, else the STORE_FAILURES word for a timeout or a connection failure found on
 * the error or a few causes down (a store's error may wrap the client's), else its code
 * or class name. Never message text: it may hold a connection string.
 */
export function failureReasonOf(cause: unknown): string {
  const given = storeReasonOf(cause);
  if (given !== undefined) return given;
  for (let error = cause, depth = 0; error !== undefined && error !== null && depth < 4; depth++) {
    const { code, reason, message } = error as { code?: unknown; reason?: unknown; message?: unknown };
    if (reason === 'timeout') return STORE_FAILURES.timedOut;
    const byCode = typeof code === 'string' ? CONNECTION_FAILURES.get(code) : undefined;
    if (byCode !== undefined) return byCode;
    const byMessage = typeof message === 'string' ? FAILURE_MESSAGES.find(([said]) => said.test(message)) : undefined;
    if (byMessage !== undefined) return byMessage[1];
    error = (error as { cause?: unknown }).cause;
  }
  const { code, name } = (cause ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return code;
  return typeof name === 'string' && name !== 'Error' ? name : STORE_FAILURES.failed;
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

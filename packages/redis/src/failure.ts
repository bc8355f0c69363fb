import { failureReasonOf, STORE_FAILURES, type StoreFailure } from '@hookgate/core';

/**
 * How RedisStore and RedisDeliveryLog tell a failed call: `storeReason` in core's
 * STORE_FAILURES words (what the receiver's messages say, the same as its own reading
 * of a raw client error), and `account`, those words with the code or class behind
 * them, for the error's own message. Neither names a host, URL, key, token or payload.
 */
export interface RedisFailure {
  readonly storeReason: string;
  readonly account: string;
}

/** Redis' error replies that say why it cannot serve; core reads the clients' connection errors itself. */
const REPLY_FAILURES: ReadonlyMap<string, StoreFailure> = new Map([
  ['NOAUTH', STORE_FAILURES.authenticationRequired],
  ['WRONGPASS', STORE_FAILURES.authenticationFailed],
  ['NOPERM', STORE_FAILURES.permissionDenied],
  ['READONLY', STORE_FAILURES.readOnly],
  ['OOM', STORE_FAILURES.outOfMemory],
  ['LOADING', STORE_FAILURES.loading],
  ['MASTERDOWN', STORE_FAILURES.primaryDown],
  ['CLUSTERDOWN', STORE_FAILURES.clusterDown],
  ['BUSY', STORE_FAILURES.busy],
]);

export function timeoutFailure(commandTimeoutMs: number): RedisFailure {
  const words = STORE_FAILURES.timedOut;
  return { storeReason: words, account: `${words} (Redis did not answer within ${commandTimeoutMs} ms)` };
}

export function failureOf(error: unknown): RedisFailure {
  const label = labelOf(error);
  const words = REPLY_FAILURES.get(label) ?? failureReasonOf(error);
  // Words that only repeat the label (an unknown code or class) say no more than `failed`.
  const known = words !== label && words !== STORE_FAILURES.failed;
  return { storeReason: words, account: known ? `${words} (${label})` : `failed (${label})` };
}

/** A Node code, a Redis error prefix (`NOPERM`), or the error's class. */
function labelOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return code;
  const prefix = /^([A-Z][A-Z0-9_]{2,})\b/.exec(error.message)?.[1];
  // A client's own error class often keeps the name 'Error' (node-redis' ClientClosedError does).
  return prefix ?? (error.name === 'Error' ? error.constructor.name || error.name : error.name);
}

import { HookgateError, toHookgateError } from '../errors.js';
import type { Receiver } from '../receiver.js';
import { errorResponse } from '../responses.js';
import type { ReceiverResponse } from '../types.js';

/**
 * All an adapter needs from a receiver, whatever its event types. `reject`
 * and `reportError` (every receiver has them) record and report what the
 * adapter met itself: a body it refused, an answer it could not write.
 */
export type AdaptableReceiver = Pick<Receiver, 'handle' | 'maxBodyBytes'> &
  Partial<Pick<Receiver, 'reject' | 'reportError'>>;

/** The answer for a failure the adapter met, through the receiver's reporting when it has one. */
export function rejectRequest(receiver: AdaptableReceiver, error: unknown): ReceiverResponse {
  const failure = toHookgateError(error, 'The webhook request failed');
  if (receiver.reject === undefined) return errorResponse(failure);
  try {
    return receiver.reject(failure);
  } catch {
    return errorResponse(failure);
  }
}

/** Tells the receiver's `onError` why its answer could not be written; never throws. */
export function reportUnwritable(receiver: Pick<AdaptableReceiver, 'reportError'> | undefined, cause: unknown): void {
  const failure = new HookgateError(
    'internal_error',
    'The webhook answer could not be written (an invalid status, header or body, or a closed connection)',
    { cause },
  );
  try {
    receiver?.reportError?.(failure);
  } catch {
    // onError must not throw; if it does, the answer still goes out.
  }
}

/** What goes out instead of an answer that cannot be written. */
export function unwritableResponse(): ReceiverResponse {
  return errorResponse(new HookgateError('internal_error', 'The webhook answer could not be written'));
}

export function unwritable(what: 'status' | 'header' | 'body', value: unknown): TypeError {
  const shown = what === 'body' ? typeof value : String(value).slice(0, 40);
  return new TypeError(`The receiver's answer has an invalid ${what} (${shown})`);
}

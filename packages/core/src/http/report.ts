import { HookgateError, toHookgateError } from '../errors.js';
import { isThenable } from '../maybe-promise.js';
import type { Receiver } from '../receiver.js';
import { errorResponse } from '../responses.js';
import type { ReceiverRequest, ReceiverResponse } from '../types.js';

/**
 * All an adapter needs from a receiver, whatever its event types. `reject`
 * and `reportError` (every receiver has them) record and report what the
 * adapter met itself: a body it refused, an answer it could not write;
 * `handleInto` (every receiver has it too) answers without a promise when it can.
 */
export type AdaptableReceiver = Pick<Receiver, 'handle' | 'maxBodyBytes'> &
  Partial<Pick<Receiver, 'handleInto' | 'reject' | 'reportError'>>;

/**
 * The receiver's answer to `answer`, exactly once: at once when the receiver
 * has it at once (`handleInto`), else when `handle` settles. A receiver that
 * throws or rejects (a hand-made one) is answered like any failure.
 */
export function answerRequest(
  receiver: AdaptableReceiver,
  request: ReceiverRequest,
  answer: (response: ReceiverResponse) => void,
): void {
  const into = receiver.handleInto;
  if (into === undefined) {
    let pending: Promise<ReceiverResponse>;
    try {
      pending = receiver.handle(request);
    } catch (error) {
      answer(rejectRequest(receiver, error));
      return;
    }
    pending.then(answer, (error: unknown) => answer(rejectRequest(receiver, error)));
    return;
  }
  let answered = false;
  let returned: unknown;
  try {
    returned = into.call(receiver, request, (response) => {
      if (answered) return;
      answered = true;
      answer(response);
    });
  } catch (error) {
    // A throw from `answer` itself is not the receiver failing: it is not answered twice.
    if (answered) throw error;
    answer(rejectRequest(receiver, error));
    return;
  }
  // A hand-made handleInto may be async: its rejection is a failure to answer, or to report.
  if (isThenable(returned)) {
    Promise.resolve(returned).then(undefined, (error: unknown) => {
      if (answered) {
        reportAside(receiver, error);
        return;
      }
      answered = true;
      answer(rejectRequest(receiver, error));
    });
  }
}

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

/** Tells the receiver's `onError` about a failure after the answer; never throws. */
function reportAside(receiver: Pick<AdaptableReceiver, 'reportError'>, error: unknown): void {
  try {
    receiver.reportError?.(error);
  } catch {
    // onError must not throw; the answer has gone out already.
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

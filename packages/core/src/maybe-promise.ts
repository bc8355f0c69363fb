import type { MaybePromise } from './types.js';

/**
 * What the per-delivery path tests inline, as `typeof (value as Thenable)?.then === 'function'`
 * (isThenable's own test), instead of calling isThenable. V8 keeps a function's type feedback
 * per function, not per caller, even where the call is inlined: isThenable's `then` load sees
 * every shape the pipeline hands it, turns megamorphic, and costs ~150 instructions a test
 * (~800 a delivery). Written out, each site sees the one or two shapes it gets.
 */
export type Thenable = { readonly then?: unknown } | null | undefined;

/** What a MaybePromise is once the inline test said it is not a promise (the cast stays checked against its type). */
export type Resolved<T> = Exclude<T, PromiseLike<unknown>>;
/** What a MaybePromise is once the inline test said it is one. */
export type Pending<T> = Extract<T, PromiseLike<unknown>>;

/** A promise, or any thenable a store, scheme or handler may return. */
export function isThenable<T>(value: MaybePromise<T> | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** A call's outcome, its failure included. */
export type Settled<T> = { failed: false; value: T } | { failed: true; cause: unknown };

/**
 * Runs a call, catching a throw or a rejection as a value; a call that answers
 * at once is answered at once (no promise). Off the per-delivery path (a lease's
 * renewal): claim, complete and release inline the same try/catch, without the
 * closure and the result object this costs.
 */
export function settle<T>(call: () => MaybePromise<T>): MaybePromise<Settled<T>> {
  let answer: MaybePromise<T>;
  let pending: boolean;
  try {
    answer = call();
    // Reading `then` can throw too (a getter, a Proxy): that is the call failing.
    pending = isThenable(answer);
  } catch (cause) {
    return { failed: true, cause };
  }
  if (!pending) return { failed: false, value: answer as T };
  return Promise.resolve(answer).then(
    (value): Settled<T> => ({ failed: false, value }),
    (cause: unknown): Settled<T> => ({ failed: true, cause }),
  );
}

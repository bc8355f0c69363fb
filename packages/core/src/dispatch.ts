import { HookgateError } from './errors.js';
import { isThenable } from './maybe-promise.js';
import type { DeliveryContext, MaybePromise } from './types.js';

export type Handler<T> = (event: T, ctx: DeliveryContext) => MaybePromise<unknown>;

/** The handlers by event type, and the ones for every type. */
export class Dispatcher {
  readonly #byType = new Map<string, Handler<unknown>[]>();
  readonly #any: Handler<unknown>[] = [];

  on(type: string, handler: Handler<unknown>): void {
    if (typeof handler !== 'function') throw new TypeError('hookgate: a handler must be a function');
    const list = this.#byType.get(type);
    if (list) list.push(handler);
    else this.#byType.set(type, [handler]);
  }

  onAny(handler: Handler<unknown>): void {
    if (typeof handler !== 'function') throw new TypeError('hookgate: a handler must be a function');
    this.#any.push(handler);
  }

  /** Whether any handler would run for this type. */
  handles(type: string | undefined): boolean {
    return this.#any.length > 0 || (type !== undefined && this.#byType.has(type));
  }

  /**
   * Runs the type's handlers, then the ones for every type. A handler that returns
   * no promise is not awaited: while none does, this stays synchronous. Throws (or
   * rejects with) `handler_failed`.
   */
  dispatch(event: unknown, ctx: DeliveryContext): MaybePromise<void> {
    const typed = ctx.type === undefined ? undefined : this.#byType.get(ctx.type);
    const count = (typed?.length ?? 0) + this.#any.length;
    for (let index = 0; index < count; index++) {
      let result: unknown;
      try {
        result = this.#handler(typed, index)(event, ctx);
      } catch (cause) {
        throw handlerFailed(cause);
      }
      if (isThenable(result)) return this.#resume(result, typed, index + 1, count, event, ctx);
    }
    return undefined;
  }

  #handler(typed: Handler<unknown>[] | undefined, index: number): Handler<unknown> {
    const typedCount = typed?.length ?? 0;
    return (index < typedCount ? typed?.[index] : this.#any[index - typedCount]) as Handler<unknown>;
  }

  async #resume(
    pending: PromiseLike<unknown>,
    typed: Handler<unknown>[] | undefined,
    next: number,
    count: number,
    event: unknown,
    ctx: DeliveryContext,
  ): Promise<void> {
    try {
      await pending;
      for (let index = next; index < count; index++) {
        const result = this.#handler(typed, index)(event, ctx);
        if (isThenable(result)) await result;
      }
    } catch (cause) {
      throw handlerFailed(cause);
    }
  }
}

// The type may come from an unsigned header: keep it out of the answer (it is on ctx for onError).
function handlerFailed(cause: unknown): HookgateError {
  return new HookgateError('handler_failed', 'The event handler failed', { cause });
}

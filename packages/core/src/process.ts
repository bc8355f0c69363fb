import type { Delivery, Ordering, Progress } from './accept.js';
import type { Dedupe, Lease, Report } from './dedupe.js';
import { storeUnavailable } from './dedupe.js';
import type { Dispatcher } from './dispatch.js';
import type { Envelope } from './envelope.js';
import { HookgateError, isHookgateError } from './errors.js';
import { isThenable, type Resolved, type Thenable } from './maybe-promise.js';
import type { Admission } from './ordering.js';
import type { DeliveryContext, MaybePromise } from './types.js';

/** What became of a delivery the process stage took. */
export type ProcessOutcome = 'processed' | 'unhandled' | 'duplicate' | 'stale';

export interface ProcessOptions {
  dedupe: Dedupe | undefined;
  order: Ordering | undefined;
  dispatcher: Dispatcher;
  report: Report;
  /** Measure handler time (only when someone reads it). */
  timeHandlers: boolean;
}

/**
 * What a held event keeps in memory, estimated from its body: about 4 KiB of
 * delivery state plus three times the body (the raw bytes and the parsed event).
 */
export function heldBytes(bodyLength: number): number {
  return 4096 + 3 * bodyLength;
}

/** Distinct unhandled types reported, at most: a sender inventing types must not grow memory. */
const MAX_UNHANDLED_TYPES = 1_000;

/**
 * The process stage: dedupe claim, ordering, dispatch, then complete or
 * release. It runs on a delivery without any HTTP: inline after the accept
 * stage, or in a worker on an envelope that crossed a queue. Throws (or
 * rejects with) a HookgateError when the delivery was not processed.
 */
export class ProcessStage {
  readonly #options: ProcessOptions;
  readonly #unhandledTypes = new Set<string | undefined>();

  constructor(options: ProcessOptions) {
    this.#options = options;
  }

  /**
   * Claim, order, dispatch, then complete or release. Stays synchronous while every
   * step is (a MemoryStore, no ordering, a synchronous handler): most deliveries
   * then cost no promise here at all.
   */
  process(delivery: Delivery, progress: Progress): MaybePromise<ProcessOutcome> {
    const claiming = this.#claim(delivery, progress);
    // The tests of `then` are written out (see Thenable): these run for every delivery.
    if (typeof (claiming as Thenable)?.then === 'function') {
      return Promise.resolve(claiming).then((lease) => this.#run(delivery, lease, progress));
    }
    return this.#run(delivery, claiming as Resolved<typeof claiming>, progress);
  }

  #run(delivery: Delivery, lease: Lease | 'duplicate' | undefined, progress: Progress): MaybePromise<ProcessOutcome> {
    if (lease === 'duplicate') return 'duplicate';
    let running: MaybePromise<ProcessOutcome>;
    try {
      running = this.#order(delivery, lease, progress);
    } catch (error) {
      return released(lease, error);
    }
    if (!isThenable(running)) return completed(lease, running);
    return Promise.resolve(running).then(
      (outcome) => completed(lease, outcome),
      (error: unknown) => released(lease, error),
    );
  }

  /** The dedupe claim: a lease, a duplicate, or none (no key, dedupe off, failing open). */
  #claim(delivery: Delivery, progress: Progress): MaybePromise<Lease | 'duplicate' | undefined> {
    const { dedupe } = this.#options;
    const key = delivery.envelope.dedupeKey;
    if (dedupe === undefined || key === undefined) return undefined;
    const claim = dedupe.claim(key, delivery.ctx);
    if (typeof (claim as Thenable)?.then === 'function') {
      return Promise.resolve(claim).then((settled) => claimed(delivery, progress, key, settled));
    }
    return claimed(delivery, progress, key, claim as Resolved<typeof claim>);
  }

  /**
   * Ordering (when it applies) around the dispatch. A rejected event (it failed its
   * schema) is not dispatched: it waits for its turn like any other, moves the
   * cursor past its sequence number, and is then answered with its error.
   */
  #order(delivery: Delivery, lease: Lease | undefined, progress: Progress): MaybePromise<ProcessOutcome> {
    const { envelope, rejected } = delivery;
    const order = this.#options.order;
    if (order === undefined || envelope.orderingKey === undefined || envelope.sequence === undefined) {
      if (rejected) throw rejected;
      return this.#dispatch(delivery, lease, progress);
    }
    return this.#ordered(delivery, order, lease, progress);
  }

  async #ordered(
    delivery: Delivery,
    order: Ordering,
    lease: Lease | undefined,
    progress: Progress,
  ): Promise<ProcessOutcome> {
    const { envelope, rejected } = delivery;
    const { orderingKey, sequence } = envelope as Envelope & { orderingKey: string; sequence: number };
    const cursorKey = `${envelope.scheme}:${orderingKey}`;
    // An ordered event may be held for its predecessors: its claim must outlive the hold.
    lease?.keepAlive();
    const admission: Admission = await ordering(() =>
      order.sequencer.admit(cursorKey, sequence, heldBytes(envelope.body.length)),
    );
    if (rejected) {
      if (admission.run) await ordering(admission.commit);
      throw rejected;
    }
    if (!admission.run) return 'stale';
    delivery.ctx = { ...delivery.ctx, orderingKey, sequence, gap: admission.gap };
    progress.ctx = delivery.ctx;
    if (lease) lease.ctx = delivery.ctx;
    let outcome: ProcessOutcome;
    try {
      outcome = await this.#dispatch(delivery, lease, progress);
    } catch (error) {
      await ordering(admission.abort).catch((storeError: unknown) => this.#options.report(storeError, delivery.ctx));
      throw error;
    }
    // If the cursor cannot advance, answer 503 so the retry advances it: successors must not wait forever.
    await ordering(admission.commit);
    return outcome;
  }

  /** Runs the handlers; the lease is renewed while they are pending. */
  #dispatch(delivery: Delivery, lease: Lease | undefined, progress: Progress): MaybePromise<ProcessOutcome> {
    const { ctx, event } = delivery;
    const { dispatcher, timeHandlers } = this.#options;
    if (!dispatcher.handles(ctx.type)) {
      this.#unhandled(ctx);
      return 'unhandled';
    }
    const started = timeHandlers ? performance.now() : undefined;
    const timed = () => {
      if (started !== undefined) progress.handlerMs = performance.now() - started;
    };
    let result: MaybePromise<void>;
    try {
      result = dispatcher.dispatch(event, ctx);
    } catch (error) {
      timed();
      throw error;
    }
    if (!isThenable(result)) {
      timed();
      return 'processed';
    }
    lease?.keepAlive();
    return Promise.resolve(result).then(
      () => {
        timed();
        return 'processed';
      },
      (error: unknown) => {
        timed();
        throw error;
      },
    );
  }

  /** A delivery no handler ran for: reported once per type, so a typo in `on()` is seen. */
  #unhandled(ctx: DeliveryContext): void {
    if (this.#unhandledTypes.has(ctx.type) || this.#unhandledTypes.size >= MAX_UNHANDLED_TYPES) return;
    this.#unhandledTypes.add(ctx.type);
    this.#options.report(
      new HookgateError(
        'unhandled_event',
        ctx.type === undefined
          ? 'A delivery without an event type reached no handler (acknowledged, not processed): add onAny'
          : 'No handler is registered for this event type (acknowledged, not processed); the type is on ctx.type',
      ),
      ctx,
    );
  }
}

/** Processed: the claim becomes "done" (a store failure here is reported, not answered). */
function completed(lease: Lease | undefined, outcome: ProcessOutcome): MaybePromise<ProcessOutcome> {
  const completing = lease?.complete();
  return completing ? completing.then(() => outcome) : outcome;
}

/** Not processed (handler failed, ordering gap, store down): forget the claim so the retry runs. */
function released(lease: Lease | undefined, error: unknown): never | Promise<never> {
  const releasing = lease?.release();
  if (releasing === undefined) throw error;
  return releasing.then(() => {
    throw error;
  });
}

/** A claim was taken: the handlers see the dedupe key. */
function claimed(
  delivery: Delivery,
  progress: Progress,
  key: string,
  claim: Lease | 'duplicate' | undefined,
): Lease | 'duplicate' | undefined {
  if (typeof claim === 'object') {
    // The context is this delivery's own (the accept stage or the envelope built it): set, not copied.
    (delivery.ctx as { dedupeKey: string | undefined }).dedupeKey = key;
    claim.ctx = delivery.ctx;
    progress.ctx = delivery.ctx;
  }
  return claim;
}

/** Ordering store calls are always fail-closed: running out of order is not an option. */
async function ordering<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw isHookgateError(cause) ? cause : storeUnavailable('ordering', cause);
  }
}

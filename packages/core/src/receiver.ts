import { normalizeHeaders, parseJsonBody, toBuffer } from './body.js';
import {
  configError,
  HookgateError,
  isHookgateError,
  outcomeOf,
  positiveOption,
  rejection,
  toHookgateError,
} from './errors.js';
import { type Admission, type OrderOptions, Sequencer } from './ordering.js';
import { errorResponse, okResponse } from './responses.js';
import { type EventSchemas, SchemaMismatchError, type StandardSchemaV1, validate } from './schema.js';
import { MemoryStore } from './stores/memory-store.js';
import { type ClaimResult, type DedupeStore, isOrderStore } from './stores/store.js';
import type {
  DeliveryContext,
  DeliveryInfo,
  DeliveryOutcome,
  DeliveryRecord,
  MaybePromise,
  ReceiverRequest,
  ReceiverResponse,
  Scheme,
  SchemeRequest,
} from './types.js';
import { checkWindow, resolveTolerance, type Tolerance } from './window.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const STORE_RETRY_AFTER = 5;

export interface DedupeOptions {
  /** Where claims and processed ids live. Default: a new MemoryStore. */
  store?: DedupeStore;
  /**
   * The dedupe key for a delivery. Default: `<scheme>:<delivery id>`.
   * Return undefined to process that delivery without dedupe.
   */
  key?: (event: unknown, ctx: DeliveryContext) => string | undefined;
  /** How long a claim holds while its handler runs (and while an ordered event waits). Default 60 s. */
  leaseMs?: number;
  /** How long a processed id is remembered: the senders' retry horizon. Default 3 days. */
  ttlMs?: number;
  /** Process without dedupe when the store fails, instead of answering 503. Default false. */
  failOpen?: boolean;
}

export type EventOutput<E extends EventSchemas, K extends keyof E> = StandardSchemaV1.InferOutput<E[K]>;

/** What ordering's key and sequence functions receive: any event with a schema (unknown without schemas). */
export type OrderedEvent<E extends EventSchemas> = string extends keyof E
  ? unknown
  : { [K in keyof E]: StandardSchemaV1.InferOutput<E[K]> }[keyof E];

export interface ReceiverOptions<E extends EventSchemas = EventSchemas> {
  scheme: Scheme;
  /** Seconds a signed timestamp may lie in the past or future. Default 300 each way. */
  tolerance?: Tolerance;
  /** Schemas by event type; their handlers get the validated, typed output. */
  events?: E;
  /** On by default with a MemoryStore; `false` turns it off. */
  dedupe?: DedupeOptions | false;
  /**
   * Per-key ordering by sequence number; off by default. With `events`, only
   * events whose type has a schema are ordered, and `key`/`sequence` get their typed output.
   */
  order?: OrderOptions<OrderedEvent<E>>;
  /** Largest body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The clock, in milliseconds since the epoch. Default Date.now. */
  now?: () => number;
  /** Receives one record per delivery, whatever its outcome. Must not throw. */
  observe?: (record: DeliveryRecord) => void;
}

export type Handler<T> = (event: T, ctx: DeliveryContext) => MaybePromise<unknown>;
export type ErrorHandler = (error: HookgateError, ctx: DeliveryContext | undefined) => void;

export interface Receiver<E extends EventSchemas = EventSchemas> {
  /** The scheme's name, e.g. `stripe`. */
  readonly scheme: string;
  /** Largest body accepted, in bytes: adapters stop reading beyond it. */
  readonly maxBodyBytes: number;
  /** Handle one event type; with a schema in `events`, the event is typed and validated. */
  on<K extends keyof E & string>(type: K, handler: Handler<EventOutput<E, K>>): this;
  on(type: string, handler: Handler<unknown>): this;
  /** Runs for every verified event, after the type's own handlers. */
  onAny(handler: Handler<unknown>): this;
  /** Hears every delivery that did not end in 2xx. Must not throw. */
  onError(handler: ErrorHandler): this;
  /** Runs the pipeline over one raw request. Never throws. */
  handle(request: ReceiverRequest): Promise<ReceiverResponse>;
  /**
   * The answer for a request an adapter could not hand over (its body was too large,
   * already parsed, truncated…): recorded and reported like every other delivery.
   */
  reject(error: unknown): ReceiverResponse;
  /** Tells the `onError` hooks about a failure after the answer was made (writing it failed, say). */
  reportError(error: unknown): void;
  /** Stops listening for ordering notifications. Requests already held still finish. */
  close(): Promise<void>;
}

/** Seconds for Retry-After: whole, at least 1, at most a minute. */
function retryAfterSeconds(ms: number | undefined, fallback: number): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return fallback;
  return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
}

function unavailable(what: string, cause: unknown): HookgateError {
  return new HookgateError('store_unavailable', `The ${what} store is unavailable`, {
    retryAfter: STORE_RETRY_AFTER,
    cause,
  });
}

/** A promise, or any thenable a store or handler may return. */
function isThenable<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** A store call's outcome, a failure included. */
type StoreAnswer<T> = { failed: false; value: T } | { failed: true; cause: unknown };

/** Per-delivery facts gathered as the pipeline advances, for records and errors. */
interface Progress {
  verified: boolean;
  ctx: DeliveryContext | undefined;
  handlerMs: number | undefined;
}

interface ResolvedDedupe {
  store: DedupeStore;
  key: DedupeOptions['key'];
  leaseMs: number;
  ttlMs: number;
  failOpen: boolean;
}

interface ResolvedOrder {
  key: OrderOptions<unknown>['key'];
  sequence: OrderOptions<unknown>['sequence'];
  sequencer: Sequencer;
  /** With schemas, only events of a schema'd type are ordered (their shape is known). */
  typedOnly: boolean;
}

class HookgateReceiver<E extends EventSchemas> implements Receiver<E> {
  readonly scheme: string;
  readonly maxBodyBytes: number;
  readonly #scheme: Scheme;
  readonly #window;
  readonly #schemas: Partial<Record<string, StandardSchemaV1>>;
  readonly #handlers = new Map<string, Handler<unknown>[]>();
  readonly #anyHandlers: Handler<unknown>[] = [];
  readonly #errorHandlers: ErrorHandler[] = [];
  readonly #now: () => number;
  readonly #observe: ((record: DeliveryRecord) => void) | undefined;
  readonly #dedupe: ResolvedDedupe | undefined;
  readonly #order: ResolvedOrder | undefined;

  constructor(options: ReceiverOptions<E>) {
    if (!options || typeof options.scheme?.verify !== 'function') {
      throw configError('createReceiver: a scheme is required, e.g. stripe({ secret })');
    }
    this.#scheme = options.scheme;
    this.scheme = options.scheme.name;
    this.#window = resolveTolerance(options.tolerance);
    this.#schemas = { ...(options.events ?? {}) };
    this.maxBodyBytes = positiveOption(options.maxBodyBytes, 1024 * 1024, 'maxBodyBytes');
    this.#now = options.now ?? Date.now;
    this.#observe = options.observe;
    const dedupe = options.dedupe ?? {};
    this.#dedupe =
      dedupe === false
        ? undefined
        : {
            store: dedupe.store ?? new MemoryStore(),
            key: dedupe.key,
            leaseMs: positiveOption(dedupe.leaseMs, 60_000, 'dedupe.leaseMs'),
            ttlMs: positiveOption(dedupe.ttlMs, 3 * DAY_MS, 'dedupe.ttlMs'),
            failOpen: dedupe.failOpen ?? false,
          };
    this.#order = options.order ? this.#resolveOrder(options.order as OrderOptions<unknown>) : undefined;
  }

  #resolveOrder(options: OrderOptions<unknown>): ResolvedOrder {
    const dedupeStore = this.#dedupe?.store;
    const store = options.store ?? (isOrderStore(dedupeStore) ? dedupeStore : new MemoryStore());
    if (!isOrderStore(store))
      throw configError('order.store must keep cursors (getCursor, advanceCursor, raiseCursor)');
    const sequencer = new Sequencer(options, store);
    if (this.#dedupe && this.#dedupe.leaseMs <= sequencer.holdMs) {
      // A held event keeps its claim while it waits: the lease must outlast the hold.
      throw configError('dedupe.leaseMs must be longer than order.holdMs');
    }
    return {
      key: options.key,
      sequence: options.sequence,
      sequencer,
      typedOnly: Object.keys(this.#schemas).length > 0,
    };
  }

  on(type: string, handler: Handler<never>): this {
    const list = this.#handlers.get(type);
    if (list) list.push(handler as Handler<unknown>);
    else this.#handlers.set(type, [handler as Handler<unknown>]);
    return this;
  }

  onAny(handler: Handler<unknown>): this {
    this.#anyHandlers.push(handler);
    return this;
  }

  onError(handler: ErrorHandler): this {
    this.#errorHandlers.push(handler);
    return this;
  }

  async close(): Promise<void> {
    await this.#order?.sequencer.close();
  }

  async handle(request: ReceiverRequest): Promise<ReceiverResponse> {
    // Timings only go to the observer: without one, no clock is read.
    const started = this.#observe ? performance.now() : 0;
    const progress: Progress = { verified: false, ctx: undefined, handlerMs: undefined };
    try {
      const { response, outcome } = await this.#run(request, progress);
      this.#record(outcome, response.status, undefined, progress, started);
      return response;
    } catch (caught) {
      const error = toHookgateError(caught);
      this.#record(outcomeOf(error), error.status, error.code, progress, started);
      this.#report(error, progress.ctx);
      return errorResponse(error);
    }
  }

  reject(error: unknown): ReceiverResponse {
    const failure = toHookgateError(error, 'The webhook request failed');
    const progress: Progress = { verified: false, ctx: undefined, handlerMs: undefined };
    this.#record(outcomeOf(failure), failure.status, failure.code, progress, this.#observe ? performance.now() : 0);
    this.#report(failure, undefined);
    return errorResponse(failure);
  }

  reportError(error: unknown): void {
    this.#report(error, undefined);
  }

  async #run(
    request: ReceiverRequest,
    progress: Progress,
  ): Promise<{ response: ReceiverResponse; outcome: DeliveryOutcome }> {
    if (request.method.toUpperCase() !== 'POST') {
      throw rejection('method_not_allowed', 'Webhooks are delivered with POST');
    }
    const body = toBuffer(request.body);
    if (body.length > this.maxBodyBytes) {
      throw rejection('payload_too_large', `The body is larger than ${this.maxBodyBytes} bytes`);
    }
    const schemeRequest: SchemeRequest = {
      method: request.method,
      url: request.url ?? '/',
      headers: normalizeHeaders(request.headers),
      body,
    };

    const unsigned = this.#scheme.answerUnsigned?.(schemeRequest);
    if (unsigned) return { response: unsigned, outcome: 'challenge' };
    // Nothing is parsed before this line: the signature covers the exact bytes.
    const verifying = this.#scheme.verify(schemeRequest);
    // Awaited only when it is a promise (Web Crypto): the Node path stays synchronous.
    const verified = verifying instanceof Promise ? await verifying : verifying;
    if (verified.timestamp !== undefined) checkWindow(verified.timestamp, this.#now(), this.#window);
    progress.verified = true;

    const payload = this.#scheme.parse ? this.#scheme.parse(schemeRequest) : parseJsonBody(body);
    const answering = this.#scheme.respond?.(payload, schemeRequest);
    const handshake = answering instanceof Promise ? await answering : answering;
    if (handshake) return { response: handshake, outcome: 'challenge' };

    const info = this.#scheme.describe(payload, schemeRequest, verified);
    let ctx = this.#context(info, verified.timestamp, schemeRequest);
    progress.ctx = ctx;

    const schema = info.type === undefined ? undefined : this.#schemas[info.type];
    let event = payload;
    let rejected: SchemaMismatchError | undefined;
    if (schema !== undefined) {
      try {
        event = await validate(schema, info.type ?? '', payload);
      } catch (error) {
        // Under strict ordering a rejected event still uses up its sequence number
        // (in its turn), or every later event of its key would wait for it forever.
        if (!(error instanceof SchemaMismatchError) || this.#order?.sequencer.mode !== 'strict') throw error;
        rejected = error;
      }
    }

    const dedupe = this.#dedupe;
    // An empty key would merge unrelated deliveries: no key, no dedupe.
    const key = (dedupe && (dedupe.key ? dedupe.key(event, ctx) : info.id && `${this.scheme}:${info.id}`)) || undefined;
    if (dedupe === undefined || key === undefined) {
      const outcome = await this.#process(event, ctx, progress, rejected);
      return { response: okResponse(outcome), outcome };
    }

    const claiming = this.#storeCall(() => dedupe.store.claim(key, dedupe.leaseMs));
    const claim = this.#claimed(dedupe, isThenable(claiming) ? await claiming : claiming);
    if (claim === 'done') return { response: okResponse('duplicate'), outcome: 'duplicate' };
    ctx = { ...ctx, dedupeKey: key };
    progress.ctx = ctx;
    let outcome: 'processed' | 'stale';
    try {
      outcome = await this.#process(event, ctx, progress, rejected);
    } catch (error) {
      // Not processed (handler failed, ordering gap, store down): forget the claim so the retry runs.
      if (claim) await this.#settle(() => dedupe.store.release(key, claim), ctx);
      throw error;
    }
    if (claim) {
      const completing = this.#settle(() => dedupe.store.complete(key, claim, dedupe.ttlMs), ctx);
      if (completing) await completing;
    }
    return { response: okResponse(outcome), outcome };
  }

  /**
   * Runs a store call, catching a throw or a rejection as a value. A store that
   * answers at once (MemoryStore) gets an answer back at once: no promise and
   * no await per call, which is most of what a delivery costs beyond its HMAC.
   */
  #storeCall<T>(call: () => MaybePromise<T>): MaybePromise<StoreAnswer<T>> {
    let answer: MaybePromise<T>;
    let pending: boolean;
    try {
      answer = call();
      // Reading `then` can throw too (a getter, a Proxy): that is the store failing.
      pending = isThenable(answer);
    } catch (cause) {
      return { failed: true, cause };
    }
    if (!pending) return { failed: false, value: answer as T };
    return Promise.resolve(answer).then(
      (value): StoreAnswer<T> => ({ failed: false, value }),
      (cause: unknown): StoreAnswer<T> => ({ failed: true, cause }),
    );
  }

  /** The claim's token; `done` for a duplicate; undefined when failing open. Throws 409 or 503. */
  #claimed(dedupe: ResolvedDedupe, answer: StoreAnswer<ClaimResult>): string | 'done' | undefined {
    if (answer.failed) {
      if (dedupe.failOpen) return undefined;
      throw unavailable('dedupe', answer.cause);
    }
    const result = answer.value;
    if (result.status === 'claimed') return result.token;
    if (result.status === 'done') return 'done';
    throw new HookgateError('delivery_in_flight', 'This delivery is being processed right now', {
      retryAfter: retryAfterSeconds(result.retryAfterMs, 5),
    });
  }

  /**
   * Ordering (when on) around the dispatch. A `rejected` event (it failed its
   * schema) is not dispatched: it waits for its turn like any other, moves the
   * cursor past its sequence number, and is then answered with its error.
   */
  async #process(
    event: unknown,
    ctx: DeliveryContext,
    progress: Progress,
    rejected?: HookgateError,
  ): Promise<'processed' | 'stale'> {
    const position = this.#orderingPosition(event, ctx, rejected !== undefined);
    if (position === undefined) {
      if (rejected) throw rejected;
      await this.#dispatch(event, ctx, progress);
      return 'processed';
    }
    const { sequencer, orderingKey, sequence } = position;
    const cursorKey = `${this.scheme}:${orderingKey}`;
    const admission: Admission = await this.#ordering(() => sequencer.admit(cursorKey, sequence, ctx.rawBody.length));
    if (rejected) {
      if (admission.run) await this.#ordering(admission.commit);
      throw rejected;
    }
    if (!admission.run) return 'stale';
    const orderedCtx: DeliveryContext = { ...ctx, orderingKey, sequence, gap: admission.gap };
    progress.ctx = orderedCtx;
    try {
      await this.#dispatch(event, orderedCtx, progress);
    } catch (error) {
      await this.#ordering(admission.abort).catch((storeError: unknown) => this.#report(storeError, orderedCtx));
      throw error;
    }
    // If the cursor cannot advance, answer 503 so the retry advances it: successors must not wait forever.
    await this.#ordering(admission.commit);
    return 'processed';
  }

  /** Where an event stands in its key's sequence, or undefined when it is not ordered. */
  #orderingPosition(event: unknown, ctx: DeliveryContext, unvalidated: boolean) {
    const order = this.#order;
    if (!order) return undefined;
    if (order.typedOnly && (ctx.type === undefined || this.#schemas[ctx.type] === undefined)) return undefined;
    let orderingKey: string | number | undefined;
    let sequence: number | undefined;
    try {
      orderingKey = order.key(event, ctx);
      sequence = order.sequence(event, ctx);
    } catch (error) {
      // An event that failed its schema may not have the shape key/sequence expect.
      if (unvalidated) return undefined;
      throw error;
    }
    if (orderingKey === undefined || sequence === undefined) return undefined;
    if (unvalidated && !order.sequencer.isValidSequence(sequence)) return undefined;
    order.sequencer.checkSequence(sequence);
    return { sequencer: order.sequencer, orderingKey: String(orderingKey), sequence };
  }

  /** Ordering store calls are always fail-closed: running out of order is not an option. */
  async #ordering<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      throw isHookgateError(cause) ? cause : unavailable('ordering', cause);
    }
  }

  #context(info: DeliveryInfo, timestamp: number | undefined, request: SchemeRequest): DeliveryContext {
    return {
      scheme: this.scheme,
      id: info.id,
      dedupeKey: undefined,
      orderingKey: undefined,
      sequence: undefined,
      gap: false,
      type: info.type,
      timestamp,
      retryNum: info.retryNum,
      retryReason: info.retryReason,
      headers: request.headers,
      rawBody: request.body,
    };
  }

  /**
   * complete/release after the handler has run. The answer already stands
   * (processed, or failed), so a store failure here is reported, not returned:
   * the lease expires by itself. Returns a promise only when the store answers with one.
   */
  #settle(call: () => MaybePromise<boolean>, ctx: DeliveryContext): Promise<void> | undefined {
    const answer = this.#storeCall(call);
    if (isThenable(answer)) return answer.then((settled) => this.#settled(settled, ctx));
    this.#settled(answer, ctx);
    return undefined;
  }

  #settled(answer: StoreAnswer<boolean>, ctx: DeliveryContext): void {
    if (!answer.failed) return;
    this.#report(
      new HookgateError('store_unavailable', 'The dedupe store failed after the handler ran', { cause: answer.cause }),
      ctx,
    );
  }

  /** Tells the error hooks; they must never turn an answer into a crash. */
  #report(error: unknown, ctx: DeliveryContext | undefined): void {
    const reported = toHookgateError(error);
    for (const handler of this.#errorHandlers) {
      try {
        handler(reported, ctx);
      } catch {
        // ignored: see above
      }
    }
  }

  async #dispatch(event: unknown, ctx: DeliveryContext, progress: Progress): Promise<void> {
    const handlers = ctx.type === undefined ? undefined : this.#handlers.get(ctx.type);
    if (handlers === undefined && this.#anyHandlers.length === 0) return;
    const started = this.#observe ? performance.now() : undefined;
    try {
      // A handler that returns no promise is not awaited: one microtask less per delivery.
      if (handlers) {
        for (const handler of handlers) {
          const result = handler(event, ctx);
          if (isThenable(result)) await result;
        }
      }
      for (const handler of this.#anyHandlers) {
        const result = handler(event, ctx);
        if (isThenable(result)) await result;
      }
    } catch (cause) {
      // The type may come from an unsigned header: keep it out of the answer (it is on ctx for onError).
      throw new HookgateError('handler_failed', 'The event handler failed', { cause });
    } finally {
      if (started !== undefined) progress.handlerMs = performance.now() - started;
    }
  }

  #record(
    outcome: DeliveryOutcome,
    status: number,
    code: DeliveryRecord['code'],
    progress: Progress,
    started: number,
  ): void {
    if (!this.#observe) return;
    try {
      this.#observe({
        outcome,
        status,
        code,
        scheme: this.scheme,
        verified: progress.verified,
        id: progress.ctx?.id,
        type: progress.ctx?.type,
        durationMs: performance.now() - started,
        handlerMs: progress.handlerMs,
      });
    } catch {
      // Observers must not break deliveries.
    }
  }
}

/** Builds a receiver: one scheme, its events and handlers, dedupe on by default, ordering when asked. */
export function createReceiver<const E extends EventSchemas = EventSchemas>(options: ReceiverOptions<E>): Receiver<E> {
  return new HookgateReceiver<E>(options);
}

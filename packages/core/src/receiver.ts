import {
  type Accepted,
  AcceptStage,
  deliveryContextOf,
  deliveryFromEnvelope,
  type Ordering,
  type Progress,
} from './accept.js';
import { Dedupe, type DedupeOptions } from './dedupe.js';
import type { Dispatcher, Handler } from './dispatch.js';
import type { Envelope } from './envelope.js';
import { configError, type HookgateError, outcomeOf, positiveOption, toHookgateError } from './errors.js';
import { type DeliveryLogOptions, LogRecorder } from './log/recorder.js';
import { dedupeKeyForReplay, envelopeForReplay, type ReplayOptions } from './log/replay.js';
import { isThenable, type Pending, type Resolved, type Thenable } from './maybe-promise.js';
import {
  type DeliveryTelemetry,
  type ObservabilityOptions,
  ObservedDispatcher,
  RECEIVER_TELEMETRY,
  Telemetry,
} from './observability/telemetry.js';
import { type OrderOptions, Sequencer } from './ordering.js';
import { type ProcessOutcome, ProcessStage } from './process.js';
import { DurableAccept } from './queue/durable-accept.js';
import type { QueueSink } from './queue/port.js';
import { dedupeWindowMs, inlineWarning } from './queue/profile.js';
import { errorResponse, okResponse } from './responses.js';
import type { EventSchemas, StandardSchemaV1 } from './schema.js';
import { MemoryStore } from './stores/memory-store.js';
import { isOrderStore } from './stores/store.js';
import type {
  DeliveryContext,
  DeliveryOutcome,
  DeliveryRecord,
  MaybePromise,
  ReceiverRequest,
  ReceiverResponse,
  Scheme,
} from './types.js';
import { resolveTolerance, type Tolerance } from './window.js';

export type { DedupeOptions, Handler };

export type EventOutput<E extends EventSchemas, K extends keyof E> = StandardSchemaV1.InferOutput<E[K]>;

/** The event types `on` accepts: those with a schema, or any string when no schemas are declared. */
export type EventType<E extends EventSchemas> = string extends keyof E ? string : keyof E & string;

/** What ordering's key and sequence functions receive: any event with a schema (unknown without schemas). */
export type OrderedEvent<E extends EventSchemas> = string extends keyof E
  ? unknown
  : { [K in keyof E]: StandardSchemaV1.InferOutput<E[K]> }[keyof E];

export interface ReceiverOptions<E extends EventSchemas = EventSchemas> extends ObservabilityOptions {
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
  /**
   * Receives one record per delivery, whatever its outcome. Must not throw. The
   * zero-dependency hook; OpenTelemetry, the logger and diagnostics channels are in
   * the README's "Observability".
   */
  observe?: (record: DeliveryRecord) => void;
  /**
   * Durable mode: verified deliveries are put on this queue and answered 202;
   * workers (`createWorker`) process them. Handshakes are still answered inline.
   */
  queue?: QueueSink;
  /** Durable mode: how long to wait for the queue before answering 503 + Retry-After. Default 2,000 ms. */
  enqueueTimeoutMs?: number;
  /** A delivery log: one entry per delivery, with its bytes when `capture` says so (needed to replay). */
  log?: DeliveryLogOptions;
}

export type ErrorHandler = (error: HookgateError, ctx: DeliveryContext | undefined) => void;

export interface ProcessEnvelopeOptions {
  /** Marks the run as a replay: handlers see `ctx.replay = true`. */
  replay?: boolean;
}

/** What a replay came to: the run's result, and the key of its own log entry. */
export interface ReplayResult extends ProcessResult {
  /** The key of the entry that was run again. */
  replayOf: string;
  /** The replay's own log entry. */
  logKey: string;
  /** Whether it ran under a forced dedupe key (it had been processed before). */
  forced: boolean;
}

/** The accept stage's verdict: an envelope to process, or the answer to give now. */
export type Acceptance =
  | { envelope: Envelope; response: undefined }
  | { envelope: undefined; response: ReceiverResponse };

/** What running the process stage on an envelope came to. */
export interface ProcessResult {
  outcome: DeliveryOutcome;
  /** The HTTP status the delivery would have been answered with inline. */
  status: number;
  /** Why it was not processed (also reported to onError). */
  error: HookgateError | undefined;
}

export interface Receiver<E extends EventSchemas = EventSchemas> {
  /** The scheme's name, e.g. `stripe`. */
  readonly scheme: string;
  /** Largest body accepted, in bytes: adapters stop reading beyond it. */
  readonly maxBodyBytes: number;
  /**
   * Handle one event type. With `events` declared, only their types are accepted
   * (a misspelt type does not compile) and the handler gets the validated, typed event.
   */
  on<K extends EventType<E>>(type: K, handler: Handler<EventOutput<E, K>>): this;
  /** Handle a type that has no schema in `events` (the escape from `on`'s checked types); the event is unknown. */
  onUntyped(type: string, handler: Handler<unknown>): this;
  /** Runs for every verified event, after the type's own handlers. */
  onAny(handler: Handler<unknown>): this;
  /** Hears every delivery that did not end in 2xx, and failures that did not change the answer. Must not throw. */
  onError(handler: ErrorHandler): this;
  /** Runs the pipeline over one raw request. Never throws. */
  handle(request: ReceiverRequest): Promise<ReceiverResponse>;
  /**
   * `handle` for adapters that take a callback: `respond` is called exactly once
   * with the answer, before this returns when every step answered at once and
   * nothing logs or traces the delivery (no promise per delivery then). Never
   * throws, unless `respond` does: at once, that throw comes back to the caller;
   * later, `onError` hears it.
   */
  handleInto(request: ReceiverRequest, respond: (response: ReceiverResponse) => void): void;
  /**
   * Runs the accept stage only (method, size, verify, window, parse, validate): the
   * verified envelope to process later, or the answer when there is nothing to process
   * (a handshake, a rejection — recorded and reported like any delivery). Never throws.
   */
  accept(request: ReceiverRequest): Promise<Acceptance>;
  /**
   * Runs the process stage (dedupe, ordering, dispatch) on an envelope accepted
   * earlier — a queued job, a replay — without HTTP and without verifying again.
   * Recorded and reported like a delivery. Never throws: a failure is in the result.
   */
  process(envelope: Envelope, options?: ProcessEnvelopeOptions): Promise<ProcessResult>;
  /**
   * The answer for a request an adapter could not hand over (its body was too large,
   * already parsed, truncated…): recorded and reported like every other delivery.
   */
  reject(error: unknown): ReceiverResponse;
  /**
   * Runs a logged delivery again through the process stage, from its captured bytes
   * (`ctx.replay = true`): dedupe and ordering apply, so one processed before is a
   * duplicate unless `force`. Throws a HookgateError when it cannot run it (no log, an
   * unknown key, an entry without capture, the original in flight); once it runs, the
   * result says how it went. Its own entry in the log has `replayOf` set.
   */
  replay(key: string, options?: ReplayOptions): Promise<ReplayResult>;
  /** Tells the `onError` hooks about a failure after the answer was made (writing it failed, say). */
  reportError(error: unknown): void;
  /** Stops listening for ordering notifications (a RedisStore's subscription keeps a process alive). */
  close(): Promise<void>;
}

class HookgateReceiver<E extends EventSchemas> implements Receiver<E> {
  readonly scheme: string;
  readonly maxBodyBytes: number;
  readonly #accept: AcceptStage;
  readonly #process: ProcessStage;
  readonly #dispatcher: Dispatcher = new ObservedDispatcher();
  readonly #errorHandlers: ErrorHandler[] = [];
  /** Reports made before any onError hook was added (start-up diagnostics). */
  #unheard: [HookgateError, DeliveryContext | undefined][] | undefined = [];
  readonly #observe: ((record: DeliveryRecord) => void) | undefined;
  readonly #sequencer: Sequencer | undefined;
  readonly #schemas: Partial<Record<string, StandardSchemaV1>>;
  readonly #durable: DurableAccept | undefined;
  // Delivery log and replay:
  readonly #log: LogRecorder | undefined;
  readonly #dedupe: Dedupe | undefined;
  readonly #scheme: Scheme;
  /** Whether anyone reads timings (the observer or the log). */
  readonly #timed: boolean;
  readonly #telemetry: Telemetry;

  constructor(options: ReceiverOptions<E>) {
    if (!options || typeof options.scheme?.verify !== 'function') {
      throw configError('createReceiver: a scheme is required, e.g. stripe({ secret })');
    }
    if (options.observe !== undefined && typeof options.observe !== 'function') {
      throw configError('observe must be a function (record) => void');
    }
    const scheme = options.scheme;
    this.scheme = scheme.name;
    this.maxBodyBytes = positiveOption(options.maxBodyBytes, 1024 * 1024, 'maxBodyBytes');
    this.#observe = options.observe;
    const report = (error: unknown, ctx: DeliveryContext | undefined) => this.#reportAside(error, ctx);
    const schemas: Partial<Record<string, StandardSchemaV1>> = { ...(options.events ?? {}) };
    this.#schemas = schemas;
    const dedupe =
      options.dedupe === false
        ? undefined
        : new Dedupe(
            { ...options.dedupe, ttlMs: options.dedupe?.ttlMs ?? dedupeWindowMs(scheme.redelivery) },
            scheme.name,
            report,
          );
    this.#dedupe = dedupe;
    this.#scheme = scheme;
    this.#log = options.log === undefined ? undefined : new LogRecorder(options.log, report, options.now ?? Date.now);
    this.#timed = this.#observe !== undefined || this.#log !== undefined;
    const order = options.order
      ? resolveOrder(options.order as OrderOptions<unknown>, dedupe, Object.keys(schemas).length > 0)
      : undefined;
    this.#sequencer = order?.sequencer;
    // Observability (spans, metrics, diagnostics channels, logs): see observability/telemetry.ts.
    const sequencer = this.#sequencer;
    const telemetry = new Telemetry({
      ...options,
      scheme: scheme.name,
      dedupe: dedupe !== undefined,
      held: sequencer && (() => sequencer.held.count),
    });
    this.#telemetry = telemetry;
    const timed = this.#timed;
    this.#accept = new AcceptStage({
      scheme: telemetry.observeScheme(scheme),
      window: resolveTolerance(options.tolerance),
      schemas,
      maxBodyBytes: this.maxBodyBytes,
      now: options.now ?? Date.now,
      dedupe,
      order,
    });
    this.#process = new ProcessStage({
      dedupe,
      order,
      dispatcher: this.#dispatcher,
      report,
      get timeHandlers() {
        return timed || telemetry.measuring;
      },
    });
    this.#durable = options.queue
      ? new DurableAccept({
          queue: options.queue,
          dedupe,
          timeoutMs: positiveOption(options.enqueueTimeoutMs, 2_000, 'enqueueTimeoutMs'),
          tracing: telemetry.queueTracing,
        })
      : undefined;
    for (const store of new Set([dedupe?.store, order?.store])) this.#diagnose(store);
    // A sender that never redelivers, received inline: durable mode or a delivery log (to see and replay failures).
    const warning = this.#durable || options.log !== undefined ? undefined : inlineWarning(scheme);
    if (warning) this.#report(warning, undefined);
  }

  /** For `createWorker`: the CONSUMER spans and queue metrics use this receiver's OpenTelemetry. */
  get [RECEIVER_TELEMETRY](): Telemetry {
    return this.#telemetry;
  }

  on(type: string, handler: Handler<never>): this {
    this.#dispatcher.on(type, handler as Handler<unknown>);
    return this;
  }

  onUntyped(type: string, handler: Handler<unknown>): this {
    this.#dispatcher.on(type, handler);
    return this;
  }

  onAny(handler: Handler<unknown>): this {
    this.#dispatcher.onAny(handler);
    return this;
  }

  onError(handler: ErrorHandler): this {
    if (typeof handler !== 'function') throw new TypeError('hookgate: onError needs a function');
    this.#errorHandlers.push(handler);
    const unheard = this.#unheard;
    this.#unheard = undefined;
    for (const [error, ctx] of unheard ?? []) this.#report(error, ctx);
    return this;
  }

  async close(): Promise<void> {
    this.#telemetry.close();
    await this.#sequencer?.close();
    await this.#log?.flush();
  }

  handle(request: ReceiverRequest): Promise<ReceiverResponse> {
    return Promise.resolve(this.#answer(request));
  }

  handleInto(request: ReceiverRequest, respond: (response: ReceiverResponse) => void): void {
    const answer = this.#answer(request);
    if (typeof (answer as Thenable)?.then !== 'function') {
      respond(answer as Resolved<typeof answer>);
      return;
    }
    // Answered later, a throw from `respond` has no caller to go back to: onError hears it.
    (answer as Pending<typeof answer>)
      .then(respond, (error: unknown) => respond(errorResponse(toHookgateError(error))))
      .then(undefined, (error: unknown) => this.reportError(error));
  }

  /** The answer of handle and handleInto: traced, the delivery runs inside its span's context, which holds a promise to the end. */
  #answer(request: ReceiverRequest): MaybePromise<ReceiverResponse> {
    const telemetry = this.#telemetry.begin('handle', request?.logger);
    if (telemetry) return telemetry.run((traced) => Promise.resolve(this.#handle(request, traced)));
    return this.#handle(request, undefined);
  }

  /** Timings only go to the observer and metrics: without them, no clock is read. */
  #clock(telemetry: DeliveryTelemetry | undefined): number {
    return this.#timed || telemetry?.timed ? performance.now() : 0;
  }

  /**
   * No promise while every step answers at once (node:crypto, a MemoryStore,
   * synchronous handlers): `handle` wraps the answer once, `handleInto` not at all.
   */
  #handle(request: ReceiverRequest, telemetry: DeliveryTelemetry | undefined): MaybePromise<ReceiverResponse> {
    const started = this.#clock(telemetry);
    const progress: Progress = { verified: false, ctx: undefined, handlerMs: undefined };
    let running: MaybePromise<Answer>;
    try {
      running = this.#run(request, progress);
    } catch (caught) {
      return this.#failed(caught, progress, started, telemetry);
    }
    if (typeof (running as Thenable)?.then !== 'function') {
      return this.#answered(running as Resolved<typeof running>, progress, started, telemetry);
    }
    return Promise.resolve(running).then(
      (answer) => this.#answered(answer, progress, started, telemetry),
      (caught: unknown) => this.#failed(caught, progress, started, telemetry),
    );
  }

  #answered(answer: Answer, progress: Progress, started: number, telemetry: DeliveryTelemetry | undefined) {
    this.#record(answer.outcome, answer.response.status, undefined, progress, started, telemetry);
    return answer.response;
  }

  #failed(caught: unknown, progress: Progress, started: number, telemetry: DeliveryTelemetry | undefined) {
    return errorResponse(this.#failure(caught, progress, started, telemetry));
  }

  /** Every way a delivery can fail ends here: recorded like any delivery, then told to the error hooks. */
  #failure(
    caught: unknown,
    progress: Progress,
    started: number,
    telemetry: DeliveryTelemetry | undefined,
  ): HookgateError {
    const error = toHookgateError(caught);
    this.#record(outcomeOf(error), error.status, error.code, progress, started, telemetry);
    this.#report(error, progress.ctx);
    return error;
  }

  /** accept ─► (handshake answered) ─► process ─► answer. */
  #run(request: ReceiverRequest, progress: Progress): MaybePromise<Answer> {
    const accepting = this.#accept.accept(request, progress);
    if (typeof (accepting as Thenable)?.then === 'function') {
      return Promise.resolve(accepting).then((accepted) => this.#proceed(accepted, progress));
    }
    return this.#proceed(accepting as Resolved<typeof accepting>, progress);
  }

  #proceed(accepted: Accepted, progress: Progress): MaybePromise<Answer> {
    if (accepted.kind === 'handshake') return { response: accepted.response, outcome: 'challenge' };
    progress.envelope = accepted.envelope;
    if (this.#durable) return this.#durable.enqueue(accepted, progress);
    const processing = this.#process.process(accepted, progress);
    if (isThenable(processing)) return Promise.resolve(processing).then(answerFor);
    return answerFor(processing);
  }

  accept(request: ReceiverRequest): Promise<Acceptance> {
    const telemetry = this.#telemetry.begin('accept', request?.logger);
    return telemetry
      ? telemetry.run((traced) => this.#acceptOnly(request, traced))
      : this.#acceptOnly(request, undefined);
  }

  async #acceptOnly(request: ReceiverRequest, telemetry: DeliveryTelemetry | undefined): Promise<Acceptance> {
    const started = this.#clock(telemetry);
    const progress: Progress = { verified: false, ctx: undefined, handlerMs: undefined };
    try {
      const accepting = this.#accept.accept(request, progress);
      const accepted = isThenable(accepting) ? await accepting : accepting;
      if (accepted.kind === 'delivery') {
        telemetry?.accepted(accepted.envelope);
        return { envelope: accepted.envelope, response: undefined };
      }
      this.#record('challenge', accepted.response.status, undefined, progress, started, telemetry);
      return { envelope: undefined, response: accepted.response };
    } catch (caught) {
      return { envelope: undefined, response: errorResponse(this.#failure(caught, progress, started, telemetry)) };
    }
  }

  process(envelope: Envelope, options: ProcessEnvelopeOptions = {}): Promise<ProcessResult> {
    const telemetry = this.#telemetry.begin('process');
    return telemetry
      ? telemetry.run((traced) => this.#processEnvelope(envelope, options.replay === true, undefined, traced))
      : this.#processEnvelope(envelope, options.replay === true, undefined, undefined);
  }

  async replay(key: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const { entry, envelope } = await envelopeForReplay(this.#log, key, this.#scheme);
    const { dedupeKey, forced } = await dedupeKeyForReplay(this.#dedupe, envelope, options);
    const progress: Progress = { verified: true, ctx: undefined, handlerMs: undefined, replayOf: entry.key };
    const replayed = { ...envelope, dedupeKey };
    if (this.#durable) return this.#replayQueued(replayed, progress, entry.key, forced);
    const telemetry = this.#telemetry.begin('process');
    const result = await (telemetry
      ? telemetry.run((traced) => this.#processEnvelope(replayed, true, progress, traced))
      : this.#processEnvelope(replayed, true, progress, undefined));
    return { ...result, replayOf: entry.key, logKey: progress.logKey ?? '', forced };
  }

  /**
   * Durable mode: the replay goes to the workers like any delivery (queued under
   * the same dedupe rules), marked so their handlers see `ctx.replay`.
   */
  async #replayQueued(
    envelope: Envelope,
    progress: Progress,
    replayOf: string,
    forced: boolean,
  ): Promise<ReplayResult> {
    const durable = this.#durable as DurableAccept;
    const queued = { ...envelope, replay: true };
    progress.envelope = queued;
    const ctx = deliveryContextOf(queued);
    progress.ctx = ctx;
    const started = this.#clock(undefined);
    try {
      const { response, outcome } = await durable.enqueueReplay(queued);
      this.#record(outcome, response.status, undefined, progress, started, undefined);
      return { outcome, status: response.status, error: undefined, replayOf, logKey: progress.logKey ?? '', forced };
    } catch (caught) {
      const failed = failedResult(this.#failure(caught, progress, started, undefined));
      return { ...failed, replayOf, logKey: progress.logKey ?? '', forced };
    }
  }

  async #processEnvelope(
    envelope: Envelope,
    replay: boolean,
    given: Progress | undefined,
    telemetry: DeliveryTelemetry | undefined,
  ): Promise<ProcessResult> {
    const started = this.#clock(telemetry);
    const progress: Progress = given ?? { verified: true, ctx: undefined, handlerMs: undefined };
    progress.envelope = envelope;
    try {
      const rebuilt = deliveryFromEnvelope(envelope, this.#schemas, replay);
      const delivery = rebuilt instanceof Promise ? await rebuilt : rebuilt;
      progress.ctx = delivery.ctx;
      const outcome = await this.#process.process(delivery, progress);
      this.#record(outcome, 200, undefined, progress, started, telemetry);
      return { outcome, status: 200, error: undefined };
    } catch (caught) {
      return failedResult(this.#failure(caught, progress, started, telemetry));
    }
  }

  reject(error: unknown): ReceiverResponse {
    // Converted here for its own message; #failure keeps a HookgateError as it is.
    const failure = toHookgateError(error, 'The webhook request failed');
    const progress: Progress = { verified: false, ctx: undefined, handlerMs: undefined };
    const telemetry = this.#telemetry.begin('reject');
    return errorResponse(this.#failure(failure, progress, this.#clock(telemetry), telemetry));
  }

  reportError(error: unknown): void {
    this.#reportAside(error, undefined);
  }

  /** Asks a store once, at start-up, whether its setup is sound (e.g. Redis evicting keys). */
  #diagnose(store: unknown): void {
    const diagnose = (store as { diagnose?: () => Promise<readonly string[]> } | undefined)?.diagnose;
    if (typeof diagnose !== 'function') return;
    Promise.resolve()
      .then(() => diagnose.call(store))
      .then(
        (warnings) => {
          for (const warning of warnings) this.#reportAside(configError(warning), undefined);
        },
        (error: unknown) => this.#reportAside(toHookgateError(error, 'The store could not check its setup'), undefined),
      );
  }

  /** A failure apart from a delivery's answer: logged (the answer's own are logged with its record), then reported. */
  #reportAside(error: unknown, ctx: DeliveryContext | undefined): void {
    this.#telemetry.reported(error, ctx);
    this.#report(error, ctx);
  }

  /** Tells the error hooks; they must never turn an answer into a crash. */
  #report(error: unknown, ctx: DeliveryContext | undefined): void {
    const reported = toHookgateError(error);
    if (this.#unheard !== undefined && this.#errorHandlers.length === 0) {
      // Until a hook is added (onError is chained after createReceiver), keep a few to tell it.
      if (this.#unheard.length < 20) this.#unheard.push([reported, ctx]);
      return;
    }
    for (const handler of this.#errorHandlers) {
      try {
        handler(reported, ctx);
      } catch {
        // ignored: see above
      }
    }
  }

  #record(
    outcome: DeliveryOutcome,
    status: number,
    code: DeliveryRecord['code'],
    progress: Progress,
    started: number,
    telemetry: DeliveryTelemetry | undefined,
  ): void {
    if (!this.#timed && !telemetry) return;
    const record: DeliveryRecord = {
      outcome,
      status,
      code,
      scheme: this.scheme,
      verified: progress.verified,
      id: progress.ctx?.id,
      type: progress.ctx?.type,
      secretLabel: progress.ctx?.secretLabel,
      durationMs: started === 0 ? 0 : performance.now() - started,
      handlerMs: progress.handlerMs,
    };
    if (this.#log) {
      progress.logKey = this.#log.append({
        record,
        ctx: progress.ctx,
        envelope: progress.envelope,
        replayOf: progress.replayOf,
      });
    }
    try {
      this.#observe?.(record);
    } catch {
      // Observers must not break deliveries.
    }
    telemetry?.end(record, progress.ctx, started !== 0);
  }
}

/** What a delivery came to, and the answer it gets. */
interface Answer {
  response: ReceiverResponse;
  outcome: DeliveryOutcome;
}

function answerFor(outcome: ProcessOutcome): Answer {
  return { response: okResponse(outcome), outcome };
}

function failedResult(error: HookgateError): ProcessResult {
  return { outcome: outcomeOf(error), status: error.status, error };
}

function resolveOrder(
  options: OrderOptions<unknown>,
  dedupe: Dedupe | undefined,
  typedOnly: boolean,
): Ordering & { store: unknown } {
  const store = options.store ?? (isOrderStore(dedupe?.store) ? dedupe.store : new MemoryStore());
  if (!isOrderStore(store)) {
    throw configError(
      'order.store must keep cursors (getCursor, advanceCursor, raiseCursor), e.g. a MemoryStore or RedisStore',
    );
  }
  const sequencer = new Sequencer(options, store);
  if (dedupe && !dedupe.renews && dedupe.leaseMs <= sequencer.holdMs) {
    // A held event keeps its claim while it waits: a lease the store cannot renew must outlast the hold.
    throw configError('dedupe.leaseMs must be longer than order.holdMs (the store cannot renew a claim)');
  }
  return { key: options.key, sequence: options.sequence, sequencer, typedOnly, store };
}

/** Builds a receiver: one scheme, its events and handlers, dedupe on by default, ordering when asked. */
export function createReceiver<const E extends EventSchemas = EventSchemas>(options: ReceiverOptions<E>): Receiver<E> {
  return new HookgateReceiver<E>(options);
}

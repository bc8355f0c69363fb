import type * as Api from '@opentelemetry/api';
import { Dispatcher } from '../dispatch.js';
import type { Envelope } from '../envelope.js';
import { type HookgateError, toHookgateError } from '../errors.js';
import type { QueueSource } from '../queue/port.js';
import type { DeliveryContext, DeliveryRecord, MaybePromise, Scheme, SchemeRequest } from '../types.js';
import {
  type DispatchMessage,
  type HandleMessage,
  type HookgateChannels,
  hookgateChannels,
  isListened,
  traceCall,
  type VerifyMessage,
} from './channels.js';
import { type Logger, logDelivery, logReport } from './logger.js';
import {
  ATTR,
  type MeterProviderLike,
  OpenTelemetry,
  type OpenTelemetryApiLike,
  type TracerProviderLike,
} from './otel.js';
import { QueueTracing } from './queue-tracing.js';
import { WorkerTelemetry } from './worker-telemetry.js';

/** The receiver's observability options (see the README's "Observability"). */
export interface ObservabilityOptions {
  /**
   * A pino-shaped logger (`info(fields, message)`, `warn`, `error`, `debug`, `child`). Silent
   * when absent, except that an adapter may hand over its framework's request logger
   * (Fastify's `request.log`); `false` keeps that silent too.
   */
  logger?: Logger | false;
  /** Where spans go. Default: the global TracerProvider (`@opentelemetry/api`). */
  tracerProvider?: TracerProviderLike;
  /** Where metrics go. Default: the global MeterProvider. */
  meterProvider?: MeterProviderLike;
  /**
   * The `@opentelemetry/api` module, for runtimes where hookgate cannot load it itself
   * (workerd); by default it is loaded when installed. `false` turns OpenTelemetry off.
   */
  openTelemetry?: OpenTelemetryApiLike | false;
}

export interface TelemetryOptions extends ObservabilityOptions {
  scheme: string;
  /** Whether dedupe is on (for the span's dedupe result). */
  dedupe: boolean;
  /** Deliveries held by ordering right now, when ordering is on. */
  held: (() => number) | undefined;
}

/**
 * Where a receiver keeps its Telemetry for `createWorker` (outside the Receiver
 * interface: a receiver of one's own simply gets no queue spans or metrics).
 */
export const RECEIVER_TELEMETRY: unique symbol = Symbol('hookgate.telemetry');

/** The receiver's Telemetry, when it is one of hookgate's own. */
export function telemetryOf(receiver: object): Telemetry | undefined {
  const telemetry = (receiver as { [RECEIVER_TELEMETRY]?: unknown })[RECEIVER_TELEMETRY];
  return telemetry instanceof Telemetry ? telemetry : undefined;
}

/** What a receiver entry point is doing, for the span name and the handle channel. */
export type Operation = 'handle' | 'accept' | 'process' | 'reject';

/** The dispatcher with the `hookgate:dispatch` channel around each delivery's handlers. */
export class ObservedDispatcher extends Dispatcher {
  readonly #channel = hookgateChannels()?.dispatch;

  override dispatch(event: unknown, ctx: DeliveryContext): MaybePromise<void> {
    const channel = this.#channel;
    if (channel === undefined || !isListened(channel)) return super.dispatch(event, ctx);
    const message: DispatchMessage = { scheme: ctx.scheme, id: ctx.id, type: ctx.type };
    return traceCall(channel, message, () => super.dispatch(event, ctx));
  }
}

/**
 * One receiver's observability: its OpenTelemetry spans and metrics, the
 * diagnostics channels and the logger. Every delivery asks `begin` first;
 * with nobody listening it answers undefined and the delivery runs as if
 * none of this existed (two reads of the API's global registry when it is
 * installed without an SDK; nothing when it is not installed).
 */
export class Telemetry {
  readonly scheme: string;
  readonly otel: OpenTelemetry | undefined;
  readonly #logger: Logger | undefined;
  readonly #requestLoggers: boolean;
  readonly #channels: HookgateChannels | undefined;
  readonly #dedupe: boolean;
  readonly #queueTracing: QueueTracing | undefined;
  /** Whether the process stage should time handlers (metrics are being recorded). */
  measuring = false;

  constructor(options: TelemetryOptions) {
    this.scheme = options.scheme;
    this.#dedupe = options.dedupe;
    this.#channels = hookgateChannels();
    this.otel = OpenTelemetry.create({
      scheme: options.scheme,
      api: options.openTelemetry,
      tracerProvider: options.tracerProvider,
      meterProvider: options.meterProvider,
      held: options.held,
    });
    // Durable mode's PRODUCER and CONSUMER spans follow the delivery spans: same provider, on and off together.
    this.#queueTracing = this.otel
      ? new QueueTracing({
          ...(options.tracerProvider === undefined ? {} : { tracerProvider: options.tracerProvider }),
          ...(options.openTelemetry === undefined ? {} : { openTelemetry: options.openTelemetry }),
        })
      : undefined;
    const logger = options.logger;
    this.#requestLoggers = logger !== false;
    this.#logger = logger ? (logger.child?.({ hookgate: options.scheme }) ?? logger) : undefined;
  }

  /**
   * The scheme with the `hookgate:verify` channel around `verify` (only when the
   * runtime has diagnostics channels; asked per call whether anyone listens).
   */
  observeScheme(scheme: Scheme): Scheme {
    const channel = this.#channels?.verify;
    if (channel === undefined) return scheme;
    const name = scheme.name;
    // Everything else (parse, respond, answerUnsigned, signatureHeaders, redelivery…) is the scheme's own.
    const observed = Object.create(scheme) as Scheme;
    Object.defineProperty(observed, 'verify', {
      value: (request: SchemeRequest) => {
        if (!isListened(channel)) return scheme.verify(request);
        const message: VerifyMessage = { scheme: name };
        return traceCall(channel, message, () => scheme.verify(request));
      },
    });
    return observed;
  }

  /** Durable mode's spans around enqueues; undefined with OpenTelemetry off. */
  get queueTracing(): QueueTracing | undefined {
    return this.#queueTracing;
  }

  /** A worker's spans and queue metrics over `queue`; undefined with OpenTelemetry off. */
  observeWorker(queue: QueueSource): WorkerTelemetry | undefined {
    const otel = this.otel;
    const tracing = this.#queueTracing;
    if (!otel || !tracing) return undefined;
    try {
      return new WorkerTelemetry(otel, tracing, this.scheme, queue);
    } catch {
      // A broken SDK (or describe) must not stop the worker.
      return undefined;
    }
  }

  /** Starts watching one delivery; undefined when nobody would hear of it. */
  begin(operation: Operation, requestLogger?: Logger): DeliveryTelemetry | undefined {
    try {
      const channel = this.#channels?.handle;
      const message: HandleMessage | undefined =
        operation !== 'reject' && channel !== undefined && isListened(channel)
          ? { scheme: this.scheme, operation }
          : undefined;
      let span: Api.Span | undefined;
      let instruments: ReturnType<OpenTelemetry['instruments']>;
      const otel = this.otel;
      if (otel) {
        const globals = otel.globals();
        span = otel.startSpan(operation === 'accept', globals);
        instruments = otel.instruments(globals);
        this.measuring = instruments !== undefined;
      }
      const logger = requestLogger && this.#requestLoggers ? requestLogger : this.#logger;
      if (!message && !span && !instruments && !logger) return undefined;
      return new DeliveryTelemetry(this, message, span, instruments, logger, logger === requestLogger);
    } catch {
      // A broken SDK must not break deliveries.
      return undefined;
    }
  }

  /** Names what became of a delivery on its span, metrics and log line. */
  end(delivery: DeliveryTelemetry, record: DeliveryRecord, ctx: DeliveryContext | undefined, timed: boolean): void {
    const otel = this.otel;
    if (delivery.message) delivery.message.record = record;
    try {
      if (otel && delivery.span) otel.endSpan(delivery.span, record, ctx, this.#dedupe);
      if (otel && delivery.instruments) otel.record(delivery.instruments, record, timed);
      if (delivery.logger)
        logDelivery(delivery.logger, record, delivery.requestLogger ? this.scheme : undefined, timed);
    } catch {
      // Telemetry must not break deliveries.
    }
  }

  /** `accept` handed an envelope on (to a queue): its span ends there. */
  accepted(delivery: DeliveryTelemetry, envelope: Envelope): void {
    const span = delivery.span;
    if (!span) return;
    try {
      span.setAttributes({
        [ATTR.outcome]: 'accepted',
        [ATTR.verified]: true,
        ...(envelope.id === undefined ? {} : { [ATTR.deliveryId]: envelope.id }),
        ...(envelope.type === undefined ? {} : { [ATTR.eventType]: envelope.type }),
        [ATTR.orderingKeyPresent]: envelope.orderingKey !== undefined,
      });
      span.end();
    } catch {
      // as above
    }
  }

  /** A failure told to onError apart from a delivery's answer (a store, a lost lease, a setup warning). */
  reported(error: unknown, ctx: DeliveryContext | undefined): void {
    if (!this.#logger) return;
    try {
      logReport(this.#logger, toHookgateError(error) as HookgateError, undefined, ctx);
    } catch {
      // as above
    }
  }

  /** Stops the held-events gauge (its callback holds the receiver). */
  close(): void {
    this.otel?.close();
  }
}

/** One delivery as its observers see it. */
export class DeliveryTelemetry {
  #ended = false;

  constructor(
    readonly owner: Telemetry,
    readonly message: HandleMessage | undefined,
    readonly span: Api.Span | undefined,
    readonly instruments: ReturnType<OpenTelemetry['instruments']>,
    readonly logger: Logger | undefined,
    readonly requestLogger: boolean,
  ) {}

  /** Whether the delivery's duration is wanted (by metrics): only then is the clock read. */
  get timed(): boolean {
    return this.instruments !== undefined;
  }

  /** Runs the delivery inside the handle channel and with its span active. */
  run<T>(call: (delivery: DeliveryTelemetry) => Promise<T>): Promise<T> {
    const { span, message } = this;
    const otel = this.owner.otel;
    const invoke = () => call(this);
    const inner = span && otel ? () => otel.withSpan(span, invoke) : invoke;
    const channel = message && hookgateChannels()?.handle;
    return channel ? (traceCall(channel, message, inner) as Promise<T>) : inner();
  }

  /** Called once, with the delivery's record. */
  end(record: DeliveryRecord, ctx: DeliveryContext | undefined, timed: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.owner.end(this, record, ctx, timed);
  }

  accepted(envelope: Envelope): void {
    if (this.#ended) return;
    this.#ended = true;
    this.owner.accepted(this, envelope);
  }
}

import type * as Api from '@opentelemetry/api';
import type { DeliveryContext, DeliveryRecord } from '../types.js';
import { optionalPackage } from './runtime.js';

/** A TracerProvider from `@opentelemetry/api` (only `getTracer` is used). */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** A MeterProvider from `@opentelemetry/api` (only `getMeter` is used). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}

/** The `@opentelemetry/api` module itself (`import * as api from '@opentelemetry/api'`). */
export interface OpenTelemetryApiLike {
  readonly trace: object;
  readonly context: object;
  readonly metrics: object;
}

/** The instrumentation scope of hookgate's spans and metrics. */
export const SCOPE = '@hookgate/core';

/** Span and metric attribute names. */
export const ATTR = {
  scheme: 'hookgate.scheme',
  deliveryId: 'hookgate.delivery.id',
  eventType: 'hookgate.event.type',
  outcome: 'hookgate.outcome',
  status: 'hookgate.response.status_code',
  verified: 'hookgate.signature.verified',
  dedupe: 'hookgate.dedupe.result',
  orderingKeyPresent: 'hookgate.ordering.key_present',
  gap: 'hookgate.ordering.gap',
  replay: 'hookgate.replay',
  attempt: 'hookgate.delivery.attempt',
  errorType: 'error.type',
} as const;

/** HTTP server duration buckets (OpenTelemetry's advice for `http.server.request.duration`), seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  readonly deliveries: Api.Counter;
  readonly duration: Api.Histogram;
  readonly handlerDuration: Api.Histogram;
  readonly held: Api.ObservableUpDownCounter | undefined;
  readonly observeHeld: Api.ObservableCallback | undefined;
}

export interface OpenTelemetryOptions {
  scheme: string;
  /** The API module, when the app hands it over; else loaded if installed; `false`: off. */
  api: OpenTelemetryApiLike | false | undefined;
  tracerProvider: TracerProviderLike | undefined;
  meterProvider: MeterProviderLike | undefined;
  /** Ordering holds right now, when ordering is on. */
  held: (() => number) | undefined;
}

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps the global providers (a key of its
 * cross-copy contract). While it holds no `trace` (or `metrics`) entry, the global
 * provider is the API's no-op: hookgate then skips even the no-op calls.
 */
const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');

export interface GlobalRegistry {
  readonly trace?: unknown;
  readonly metrics?: unknown;
}

export function globalRegistry(): GlobalRegistry | undefined {
  return (globalThis as { [GLOBAL_API_KEY]?: GlobalRegistry })[GLOBAL_API_KEY];
}

/** The API, loaded once per process when the app did not pass it. */
let installed: typeof Api | null | undefined;

export function loadOpenTelemetryApi(): typeof Api | undefined {
  if (installed === undefined) installed = optionalPackage<typeof Api>('@opentelemetry/api') ?? null;
  return installed ?? undefined;
}

/** The API (handed over, or loaded) and hookgate's tracer; undefined when OpenTelemetry is off or absent. */
export function resolveTracing(
  option: OpenTelemetryApiLike | false | undefined,
  tracerProvider: TracerProviderLike | undefined,
): { api: typeof Api; tracer: Api.Tracer } | undefined {
  if (option === false) return undefined;
  const api = (option as typeof Api | undefined) ?? loadOpenTelemetryApi();
  if (!api?.trace || !api.context || !api.metrics) return undefined;
  // The global provider is a proxy: an SDK registered after this receiver is created is still used.
  const provider = (tracerProvider as Api.TracerProvider | undefined) ?? api.trace.getTracerProvider();
  return { api, tracer: provider.getTracer(SCOPE) };
}

/**
 * hookgate's OpenTelemetry: a tracer and (while a real MeterProvider is there)
 * the instruments. With the API installed and no SDK registered, a delivery costs
 * two property reads of the API's global registry: no span, no clock read, no attribute.
 */
export class OpenTelemetry {
  readonly api: typeof Api;
  readonly tracer: Api.Tracer;
  readonly #options: OpenTelemetryOptions;
  readonly #spanOptions: Api.SpanOptions;
  readonly #noopCounter: unknown;
  readonly #schemeAttributes: Api.Attributes;
  /** Whether spans and metrics go to the global providers (not ones passed in). */
  readonly #globalTracer: boolean;
  readonly #globalMeter: boolean;
  readonly #spanName: string;
  readonly #acceptSpanName: string;
  #meterProvider: Api.MeterProvider | undefined;
  #meter: Api.Meter | undefined;
  #instruments: Instruments | undefined;

  static create(options: OpenTelemetryOptions): OpenTelemetry | undefined {
    const tracing = resolveTracing(options.api, options.tracerProvider);
    return tracing && new OpenTelemetry(tracing.api, tracing.tracer, options);
  }

  private constructor(api: typeof Api, tracer: Api.Tracer, options: OpenTelemetryOptions) {
    this.api = api;
    this.tracer = tracer;
    this.#options = options;
    this.#globalTracer = options.tracerProvider === undefined;
    this.#globalMeter = options.meterProvider === undefined;
    this.#spanName = `webhook ${options.scheme}`;
    this.#acceptSpanName = `webhook ${options.scheme} accept`;
    this.#schemeAttributes = { [ATTR.scheme]: options.scheme };
    this.#spanOptions = { kind: api.SpanKind.INTERNAL, attributes: this.#schemeAttributes };
    this.#noopCounter = api.createNoopMeter?.().createCounter('noop');
  }

  /**
   * The API's global registry, when spans or metrics go to a global provider: read
   * once per delivery (a global lookup costs ~25 ns) and handed to the two below.
   */
  globals(): GlobalRegistry | undefined {
    return this.#globalTracer || this.#globalMeter ? globalRegistry() : undefined;
  }

  /** Starts a delivery's span under the active context; undefined when it would record nothing. */
  startSpan(accept: boolean, globals: GlobalRegistry | undefined): Api.Span | undefined {
    if (this.#globalTracer && globals?.trace === undefined) return undefined;
    const span = this.tracer.startSpan(accept ? this.#acceptSpanName : this.#spanName, this.#spanOptions);
    return span.isRecording() ? span : undefined;
  }

  /** Runs `fn` with the span active, so spans started inside it (the handler's) are its children. */
  withSpan<T>(span: Api.Span, fn: () => T): T {
    const { context, trace } = this.api;
    return context.with(trace.setSpan(context.active(), span), fn);
  }

  /**
   * The instruments, or undefined while the MeterProvider is the API's no-op one.
   * The global provider is not a proxy: it is looked up again for every delivery,
   * so an SDK started after the receiver was created is picked up.
   */
  instruments(globals: GlobalRegistry | undefined): Instruments | undefined {
    if (this.#globalMeter && globals?.metrics === undefined) {
      if (this.#meterProvider !== undefined) this.close();
      return undefined;
    }
    const provider =
      (this.#options.meterProvider as Api.MeterProvider | undefined) ?? this.api.metrics.getMeterProvider();
    if (provider !== this.#meterProvider) this.#bind(provider);
    return this.#instruments;
  }

  /**
   * hookgate's meter while a real MeterProvider is there (the one the delivery
   * metrics go to), for durable mode's queue metrics; undefined otherwise.
   */
  meter(globals: GlobalRegistry | undefined): Api.Meter | undefined {
    return this.instruments(globals) && this.#meter;
  }

  #bind(provider: Api.MeterProvider): void {
    this.#unbind();
    this.#meterProvider = provider;
    const meter = provider.getMeter(SCOPE);
    this.#meter = meter;
    const deliveries = meter.createCounter('hookgate.deliveries', {
      description: 'Webhook deliveries, by scheme, outcome and error.type',
      unit: '{delivery}',
    });
    if (deliveries === this.#noopCounter) {
      this.#instruments = undefined;
      return;
    }
    const duration = meter.createHistogram('hookgate.delivery.duration', {
      description: 'Time from receiving a delivery to its answer (or, for a queued one, to its processing)',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    const handlerDuration = meter.createHistogram('hookgate.handler.duration', {
      description: 'Time spent in the handlers of one delivery',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    const { held: heldCount } = this.#options;
    let held: Api.ObservableUpDownCounter | undefined;
    let observeHeld: Api.ObservableCallback | undefined;
    if (heldCount) {
      held = meter.createObservableUpDownCounter('hookgate.ordering.held', {
        description: 'Deliveries waiting for their predecessors (strict ordering), in this process',
        unit: '{delivery}',
      });
      observeHeld = (result) => result.observe(heldCount(), this.#schemeAttributes);
      held.addCallback(observeHeld);
    }
    this.#instruments = { deliveries, duration, handlerDuration, held, observeHeld };
  }

  #unbind(): void {
    const instruments = this.#instruments;
    if (instruments?.held && instruments.observeHeld) instruments.held.removeCallback(instruments.observeHeld);
    this.#instruments = undefined;
    this.#meter = undefined;
  }

  /** Stops observing (the held gauge's callback keeps a reference to the receiver). */
  close(): void {
    this.#unbind();
    this.#meterProvider = undefined;
  }

  /** Names what became of the delivery on its span, and ends it. */
  endSpan(span: Api.Span, record: DeliveryRecord, ctx: DeliveryContext | undefined, dedupe: boolean): void {
    const attributes: Api.Attributes = {
      [ATTR.outcome]: record.outcome,
      [ATTR.status]: record.status,
      [ATTR.verified]: record.verified,
    };
    if (record.code !== undefined) attributes[ATTR.errorType] = record.code;
    if (record.verified) {
      // Only a verified delivery's id and type: an unverified request's headers are anyone's words.
      if (record.id !== undefined) attributes[ATTR.deliveryId] = record.id;
      if (record.type !== undefined) attributes[ATTR.eventType] = record.type;
      attributes[ATTR.dedupe] = dedupeResult(record, ctx, dedupe);
      attributes[ATTR.orderingKeyPresent] = ctx?.orderingKey !== undefined;
      if (ctx?.gap) attributes[ATTR.gap] = true;
      if (ctx?.replay) attributes[ATTR.replay] = true;
    }
    span.setAttributes(attributes);
    // As for HTTP server spans: a 4xx is the sender's error, not this service's.
    if (record.status >= 500)
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: record.code ?? record.outcome });
    span.end();
  }

  record(instruments: Instruments, record: DeliveryRecord, timed: boolean): void {
    const attributes: Api.Attributes = { [ATTR.scheme]: this.#options.scheme, [ATTR.outcome]: record.outcome };
    if (record.code !== undefined) attributes[ATTR.errorType] = record.code;
    instruments.deliveries.add(1, attributes);
    if (timed) instruments.duration.record(record.durationMs / 1000, attributes);
    if (record.handlerMs !== undefined) {
      const handlerAttributes: Api.Attributes = { ...attributes };
      if (record.type !== undefined) handlerAttributes[ATTR.eventType] = record.type;
      instruments.handlerDuration.record(record.handlerMs / 1000, handlerAttributes);
    }
  }
}

/** What dedupe made of a verified delivery. */
function dedupeResult(record: DeliveryRecord, ctx: DeliveryContext | undefined, dedupe: boolean): string {
  if (!dedupe) return 'off';
  if (record.outcome === 'duplicate') return 'duplicate';
  if (record.outcome === 'in-flight') return 'in_flight';
  // No key (no delivery id), a store failing open, or refused before the claim.
  return ctx?.dedupeKey === undefined ? 'none' : 'claimed';
}

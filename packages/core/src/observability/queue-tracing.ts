import type * as Api from '@opentelemetry/api';
import type { Envelope } from '../envelope.js';
import { toHookgateError } from '../errors.js';
import { isThenable } from '../maybe-promise.js';
import type { MaybePromise } from '../types.js';
import { ATTR, globalRegistry, type OpenTelemetryApiLike, resolveTracing, type TracerProviderLike } from './otel.js';
import { spanContextOf, traceRecordOf } from './trace-context.js';

/** A queue, for the PRODUCER and CONSUMER spans of durable mode. */
export interface QueueDescription {
  /** The queue's name (`messaging.destination.name`); without it the spans are named `send` and `process`. */
  name?: string | undefined;
  /** The messaging system (`messaging.system`), e.g. `bullmq`. */
  system?: string | undefined;
  /** The job or message id the queue gave it (`messaging.message.id`). */
  messageId?: string | undefined;
}

export interface QueueTracingOptions {
  /** Default: the global TracerProvider. */
  tracerProvider?: TracerProviderLike;
  /** The `@opentelemetry/api` module where hookgate cannot load it; `false`: off. */
  openTelemetry?: OpenTelemetryApiLike | false;
}

/** What a consumer's run came to: `receiver.process`'s result fits. */
interface ProcessedLike {
  status: number;
  error?: { code: string } | undefined;
}

/**
 * Trace context across a queue (durable mode): a PRODUCER span where an envelope
 * is enqueued, its W3C context carried in `envelope.trace`, and a CONSUMER span in
 * the worker linked to it. Without OpenTelemetry both only run what they are given.
 */
export class QueueTracing {
  readonly #tracing: ReturnType<typeof resolveTracing>;
  /** Whether spans go to the global provider: then nothing is started while no SDK registered one. */
  readonly #global: boolean;

  constructor(options: QueueTracingOptions = {}) {
    this.#tracing = resolveTracing(options.openTelemetry, options.tracerProvider);
    this.#global = options.tracerProvider === undefined;
  }

  /** The API and tracer, or undefined when a span would record nothing (as for the delivery span). */
  #active(): ReturnType<typeof resolveTracing> {
    return this.#global && globalRegistry()?.trace === undefined ? undefined : this.#tracing;
  }

  /**
   * At enqueue: a PRODUCER span (`send <queue>`) under the active context; `send`
   * gets the envelope with that span's context in `trace`, and runs with it active.
   * When `send` resolves with `{ messageId }` (a `QueueReceipt`), the span gets it
   * as `messaging.message.id`.
   */
  enqueue<T>(
    envelope: Envelope,
    queue: QueueDescription,
    send: (envelope: Envelope) => MaybePromise<T>,
  ): MaybePromise<T> {
    const tracing = this.#active();
    if (!tracing) return send(envelope);
    const { api, tracer } = tracing;
    let span: Api.Span;
    let traced: Envelope;
    let active: Api.Context;
    try {
      span = tracer.startSpan(spanName('send', queue), {
        kind: api.SpanKind.PRODUCER,
        attributes: messagingAttributes(envelope, queue, 'send'),
      });
      const trace = traceRecordOf(api, span.spanContext()) ?? envelope.trace;
      traced = trace === envelope.trace ? envelope : { ...envelope, trace };
      active = api.trace.setSpan(api.context.active(), span);
    } catch {
      // A broken SDK must not stop a delivery from being queued: it goes untraced.
      return send(envelope);
    }
    return settleSpan(
      api,
      span,
      () => withContext(api, active, () => send(traced)),
      (result) => {
        const messageId = (result as { messageId?: unknown } | null | undefined)?.messageId;
        if (typeof messageId === 'string') span.setAttribute('messaging.message.id', messageId);
        return undefined;
      },
    );
  }

  /**
   * In the worker: a CONSUMER span (`process <queue>`) linked to the producer's, and
   * its child on the first attempt (a retry starts under the worker's own context,
   * linked only). Active while `run` runs, so `receiver.process` puts its
   * `webhook <scheme>` span under it. A result with a 5xx status marks it failed.
   */
  consume<T extends ProcessedLike>(
    envelope: Envelope,
    queue: QueueDescription & { attempt?: number },
    run: () => Promise<T>,
  ): Promise<T> {
    const tracing = this.#active();
    if (!tracing) return run();
    const { api, tracer } = tracing;
    let span: Api.Span;
    let active: Api.Context;
    try {
      const producer = spanContextOf(api, envelope.trace);
      const attributes = messagingAttributes(envelope, queue, 'process');
      if (queue.attempt !== undefined) attributes[ATTR.attempt] = queue.attempt;
      const parent =
        producer && (queue.attempt ?? 1) <= 1
          ? api.trace.setSpanContext(api.context.active(), producer)
          : api.context.active();
      span = tracer.startSpan(
        spanName('process', queue),
        { kind: api.SpanKind.CONSUMER, attributes, links: producer ? [{ context: producer }] : [] },
        parent,
      );
      active = api.trace.setSpan(parent, span);
    } catch {
      // A broken SDK must not stop a job: it runs untraced.
      return run();
    }
    return settleSpan(
      api,
      span,
      () => withContext(api, active, run),
      (result) => (result.status >= 500 ? (result.error?.code ?? 'internal_error') : undefined),
    ) as Promise<T>;
  }
}

/** `{operation} {destination}`, or the operation alone when the queue has no name (OpenTelemetry's messaging spans). */
function spanName(operation: 'send' | 'process', queue: QueueDescription): string {
  return queue.name ? `${operation} ${queue.name}` : operation;
}

function messagingAttributes(envelope: Envelope, queue: QueueDescription, operation: string): Api.Attributes {
  // hookgate's operations are the generic ones: `send` and `process` are both the name and the type.
  const attributes: Api.Attributes = {
    'messaging.operation.name': operation,
    'messaging.operation.type': operation,
  };
  if (queue.name) attributes['messaging.destination.name'] = queue.name;
  attributes[ATTR.scheme] = envelope.scheme;
  if (queue.system !== undefined) attributes['messaging.system'] = queue.system;
  if (queue.messageId !== undefined) attributes['messaging.message.id'] = queue.messageId;
  if (envelope.id !== undefined) attributes[ATTR.deliveryId] = envelope.id;
  if (envelope.type !== undefined) attributes[ATTR.eventType] = envelope.type;
  return attributes;
}

/**
 * Runs `run` with `context` active, exactly once: a context manager that throws before
 * calling it (a broken SDK) has it run outside the context, never twice.
 */
function withContext<T>(api: typeof Api, context: Api.Context, run: () => T): T {
  let ran = false;
  try {
    return api.context.with(context, () => {
      ran = true;
      return run();
    });
  } catch (error) {
    if (ran) throw error;
    return run();
  }
}

/**
 * Ends the span when `call` settles: ERROR (with the hookgate code) when it threw or `failure`
 * names one. What `call` came to is passed on unchanged, whatever the span's methods do.
 */
function settleSpan<T>(
  api: typeof Api,
  span: Api.Span,
  call: () => MaybePromise<T>,
  failure: (result: T) => string | undefined,
): MaybePromise<T> {
  const end = (failureOf: () => string | undefined) => {
    try {
      const code = failureOf();
      if (code !== undefined) {
        span.setAttribute(ATTR.errorType, code);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
      }
      span.end();
    } catch {
      // A broken SDK must not change what the call came to.
    }
  };
  const done = (result: T) => {
    end(() => failure(result));
    return result;
  };
  const failed = (error: unknown): never => {
    end(() => toHookgateError(error).code);
    throw error;
  };
  let answer: MaybePromise<T>;
  try {
    answer = call();
  } catch (error) {
    return failed(error);
  }
  return isThenable(answer) ? Promise.resolve(answer).then(done, failed) : done(answer);
}

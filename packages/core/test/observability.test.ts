import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import {
  createReceiver,
  type DedupeStore,
  type DeliveryContext,
  envelopeFromJSON,
  envelopeToJSON,
  type Logger,
  MemoryStore,
  type QueueMessage,
  type QueueSink,
  QueueTracing,
  type ReceiverOptions,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { sleep } from '../../../test/support/time.js';
import { post } from './helpers.js';
import {
  type HistogramPoint,
  installContextManager,
  metricPoints,
  onlySpan,
  otelHarness,
  spanTree,
} from './otel-helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });
const SPAN = 'webhook standard-webhooks';
/** Sits in every payload: it must never reach a span, a metric or a log line. */
const MARKER = 'PAYLOAD-MARKER-7f3a9c';

function delivery(id: string, payload: Record<string, unknown> = {}, forged = false) {
  const body = JSON.stringify({ type: 'invoice.paid', data: { note: MARKER }, ...payload });
  const headers = signStandardWebhooks({ secret: forged ? 'whsec_bm90IHRoZSByaWdodCBzZWNyZXQ=' : secret, body, id });
  return post(headers, body);
}

let uninstall: () => void;
beforeAll(() => {
  uninstall = installContextManager();
});
afterAll(() => uninstall());

const otel = otelHarness();
afterEach(() => otel.reset());
afterAll(() => otel.shutdown());

function receiverWith(options: Partial<ReceiverOptions> = {}) {
  return createReceiver({
    scheme,
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    ...options,
  });
}

/** What a framework's HTTP instrumentation does: a SERVER span, active while the request is handled. */
function underServer<T>(run: () => Promise<T>): Promise<T> {
  return otel.tracer.startActiveSpan('POST /webhooks', { kind: SpanKind.SERVER }, async (span) => {
    try {
      return await run();
    } finally {
      span.end();
    }
  });
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('the delivery span', () => {
  test('processed: one INTERNAL span under the SERVER span, active while the handler runs', async () => {
    const receiver = receiverWith().on('invoice.paid', async () => {
      await sleep(1);
      // The handler's own work, traced the usual way: it nests under hookgate's span.
      await otel.tracer.startActiveSpan('db.insert invoices', async (span) => span.end());
    });
    const response = await underServer(() => receiver.handle(delivery('msg_processed')));
    expect(response.status).toBe(200);

    const spans = otel.spans();
    expect(spanTree(spans, { attributes: false })).toBe(
      ['POST /webhooks [SERVER]', `  ${SPAN} [INTERNAL]`, '    db.insert invoices [INTERNAL]'].join('\n'),
    );
    const server = onlySpan(spans, 'POST /webhooks');
    const span = onlySpan(spans, SPAN);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(span)).toBe(idOf(server));
    expect(parentOf(onlySpan(spans, 'db.insert invoices'))).toBe(idOf(span));
    expect(span.attributes).toEqual({
      'hookgate.scheme': 'standard-webhooks',
      'hookgate.delivery.id': 'msg_processed',
      'hookgate.event.type': 'invoice.paid',
      'hookgate.outcome': 'processed',
      'hookgate.response.status_code': 200,
      'hookgate.signature.verified': true,
      'hookgate.dedupe.result': 'claimed',
      'hookgate.ordering.key_present': false,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('@hookgate/core');
  });

  test('duplicate: acknowledged, dedupe result duplicate, no handler span', async () => {
    let runs = 0;
    const receiver = receiverWith().on('invoice.paid', () => {
      runs++;
      otel.tracer.startSpan('handler work').end();
    });
    await underServer(() => receiver.handle(delivery('msg_dup')));
    otel.reset();
    const response = await underServer(() => receiver.handle(delivery('msg_dup')));
    expect(response.status).toBe(200);
    expect(runs).toBe(1);
    expect(spanTree(otel.spans())).toBe(
      [
        'POST /webhooks [SERVER]',
        `  ${SPAN} [INTERNAL] hookgate.scheme=standard-webhooks hookgate.outcome=duplicate hookgate.response.status_code=200 hookgate.signature.verified=true hookgate.delivery.id=msg_dup hookgate.event.type=invoice.paid hookgate.dedupe.result=duplicate hookgate.ordering.key_present=false`,
      ].join('\n'),
    );
  });

  test('rejected (401): error.type is the code, no id or type from the unverified request, status unset', async () => {
    const receiver = receiverWith().on('invoice.paid', () => {});
    const response = await underServer(() => receiver.handle(delivery('msg_forged', {}, true)));
    expect(response.status).toBe(401);
    const span = onlySpan(otel.spans(), SPAN);
    expect(span.attributes).toEqual({
      'hookgate.scheme': 'standard-webhooks',
      'hookgate.outcome': 'rejected',
      'hookgate.response.status_code': 401,
      'hookgate.signature.verified': false,
      'error.type': 'invalid_signature',
    });
    // As for an HTTP server span, a 4xx is the sender's error.
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('failed (500): ERROR status with the code; the handler span that threw is under it', async () => {
    const receiver = receiverWith().on('invoice.paid', () =>
      otel.tracer.startActiveSpan('charge card', (span) => {
        span.end();
        throw new Error(`card declined for ${MARKER}`);
      }),
    );
    const response = await underServer(() => receiver.handle(delivery('msg_failed')));
    expect(response.status).toBe(500);
    const spans = otel.spans();
    const span = onlySpan(spans, SPAN);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler_failed' });
    expect(span.attributes['error.type']).toBe('handler_failed');
    expect(span.attributes['hookgate.outcome']).toBe('failed');
    expect(span.attributes['hookgate.dedupe.result']).toBe('claimed');
    expect(span.events).toEqual([]);
    expect(parentOf(onlySpan(spans, 'charge card'))).toBe(idOf(span));
  });

  test('held, then processed: the later event waits under its own span and the held gauge counts it', async () => {
    const receiver = receiverWith({
      order: {
        key: (event) => (event as { data: { customer: string } }).data.customer,
        sequence: (event) => (event as { data: { seq: number } }).data.seq,
        start: 1,
        holdMs: 5_000,
      },
    });
    const ran: number[] = [];
    receiver.on('customer.updated', (event) => {
      ran.push((event as { data: { seq: number } }).data.seq);
    });
    const update = (seq: number) =>
      delivery(`msg_seq_${seq}`, { type: 'customer.updated', data: { customer: 'cus_1', seq, note: MARKER } });

    const second = underServer(() => receiver.handle(update(2)));
    const heldGauge = async () =>
      metricPoints(await otel.metrics(), 'hookgate.ordering.held')?.points.find(
        (point) => point.attributes['hookgate.scheme'] === 'standard-webhooks',
      )?.value;
    await vi.waitFor(async () => expect(await heldGauge()).toBe(1));
    const first = await underServer(() => receiver.handle(update(1)));
    expect(first.status).toBe(200);
    expect((await second).status).toBe(200);
    expect(ran).toEqual([1, 2]);
    expect(await heldGauge()).toBe(0);

    const spans = otel.spans().filter((span) => span.name === SPAN);
    expect(spans).toHaveLength(2);
    const bySeq = (id: string) => spans.find((span) => span.attributes['hookgate.delivery.id'] === id);
    const [one, two] = [bySeq('msg_seq_1'), bySeq('msg_seq_2')];
    for (const span of [one, two]) {
      expect(span?.attributes['hookgate.outcome']).toBe('processed');
      expect(span?.attributes['hookgate.ordering.key_present']).toBe(true);
    }
    // The held one started first and was still open when its predecessor arrived. (Which of the two
    // spans ends first is not fixed: both finish in the same burst once the cursor moves.)
    const ns = (time: [number, number] | undefined) => (time ? time[0] * 1e9 + time[1] : Number.NaN);
    expect(ns(two?.startTime)).toBeLessThan(ns(one?.startTime));
    expect(ns(two?.endTime)).toBeGreaterThan(ns(one?.startTime));
    await receiver.close();
  });

  test('replays and queued deliveries (receiver.process) get the same span, marked as a replay', async () => {
    const receiver = receiverWith().on('invoice.paid', () => {});
    const { envelope } = await receiver.accept(delivery('msg_replay'));
    expect(envelope).toBeDefined();
    if (!envelope) return;
    otel.reset();
    const result = await receiver.process(envelope, { replay: true });
    expect(result.status).toBe(200);
    const span = onlySpan(otel.spans(), SPAN);
    expect(span.attributes['hookgate.replay']).toBe(true);
    expect(span.attributes['hookgate.outcome']).toBe('processed');
  });

  test('openTelemetry: false records nothing, even with providers', async () => {
    const receiver = receiverWith({ openTelemetry: false }).on('invoice.paid', () => {});
    expect((await receiver.handle(delivery('msg_off'))).status).toBe(200);
    expect(otel.spans()).toEqual([]);
    expect(metricPoints(await otel.metrics(), 'hookgate.deliveries')?.points ?? []).not.toContainEqual(
      expect.objectContaining({ attributes: expect.objectContaining({ 'hookgate.scheme': 'off-scheme' }) }),
    );
  });
});

describe('metrics', () => {
  test('after a scripted run: deliveries by outcome and error.type, durations in seconds with HTTP buckets', async () => {
    const own = otelHarness();
    const receiver = createReceiver({
      scheme,
      tracerProvider: own.tracerProvider,
      meterProvider: own.meterProvider,
    })
      .on('invoice.paid', () => {})
      .on('invoice.failed', () => {
        throw new Error('nope');
      });
    const answers = [
      await receiver.handle(delivery('msg_m1')),
      await receiver.handle(delivery('msg_m2')),
      await receiver.handle(delivery('msg_m1')),
      await receiver.handle(delivery('msg_m3', {}, true)),
      await receiver.handle(delivery('msg_m4', { type: 'invoice.failed' })),
    ].map((response) => response.status);
    expect(answers).toEqual([200, 200, 200, 401, 500]);

    const metrics = await own.metrics();
    const deliveries = metricPoints(metrics, 'hookgate.deliveries');
    expect(deliveries?.descriptor).toMatchObject({ unit: '{delivery}' });
    const counts = (deliveries?.points ?? []).map((point) => ({ ...point.attributes, value: point.value }));
    expect(counts).toEqual(
      expect.arrayContaining([
        { 'hookgate.scheme': 'standard-webhooks', 'hookgate.outcome': 'processed', value: 2 },
        { 'hookgate.scheme': 'standard-webhooks', 'hookgate.outcome': 'duplicate', value: 1 },
        {
          'hookgate.scheme': 'standard-webhooks',
          'hookgate.outcome': 'rejected',
          'error.type': 'invalid_signature',
          value: 1,
        },
        {
          'hookgate.scheme': 'standard-webhooks',
          'hookgate.outcome': 'failed',
          'error.type': 'handler_failed',
          value: 1,
        },
      ]),
    );
    expect(counts).toHaveLength(4);

    const duration = metricPoints<HistogramPoint['value']>(metrics, 'hookgate.delivery.duration');
    expect(duration?.descriptor).toMatchObject({ unit: 's' });
    const durations = duration?.points ?? [];
    expect(durations.reduce((sum, point) => sum + point.value.count, 0)).toBe(5);
    expect(durations[0]?.value.buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    // Seconds, not milliseconds: these in-process deliveries take well under one.
    for (const point of durations) expect(point.value.max).toBeLessThan(1);

    const handler = metricPoints<HistogramPoint['value']>(metrics, 'hookgate.handler.duration');
    const handlerCounts = (handler?.points ?? []).map((point) => ({ ...point.attributes, count: point.value.count }));
    expect(handlerCounts).toEqual(
      expect.arrayContaining([
        {
          'hookgate.scheme': 'standard-webhooks',
          'hookgate.outcome': 'processed',
          'hookgate.event.type': 'invoice.paid',
          count: 2,
        },
        {
          'hookgate.scheme': 'standard-webhooks',
          'hookgate.outcome': 'failed',
          'error.type': 'handler_failed',
          'hookgate.event.type': 'invoice.failed',
          count: 1,
        },
      ]),
    );
    expect(handlerCounts).toHaveLength(2);
    await own.shutdown();
  });
});

/** A logger that keeps its lines; `child` merges bindings as pino does. */
function captureLogger(lines: { level: string; fields: Record<string, unknown>; message: string | undefined }[]) {
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, message?: string): void => {
        lines.push({ level, fields: { ...bindings, ...fields }, message });
      };
    return {
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

describe('logger', () => {
  test('rejections at warn with the code only, duplicates at debug, handler failures at error', async () => {
    const lines: Parameters<typeof captureLogger>[0] = [];
    const receiver = receiverWith({ logger: captureLogger(lines), openTelemetry: false })
      .on('invoice.paid', () => {})
      .on('invoice.failed', () => {
        throw new Error(MARKER);
      });
    await receiver.handle(delivery('msg_l1'));
    await receiver.handle(delivery('msg_l1'));
    await receiver.handle(delivery('msg_l2', {}, true));
    await receiver.handle(delivery('msg_l3', { type: 'invoice.failed' }));
    expect(lines).toEqual([
      {
        level: 'debug',
        message: 'webhook processed',
        fields: {
          hookgate: 'standard-webhooks',
          outcome: 'processed',
          status: 200,
          id: 'msg_l1',
          type: 'invoice.paid',
        },
      },
      {
        level: 'debug',
        message: 'webhook duplicate',
        fields: {
          hookgate: 'standard-webhooks',
          outcome: 'duplicate',
          status: 200,
          id: 'msg_l1',
          type: 'invoice.paid',
        },
      },
      {
        level: 'warn',
        message: 'webhook rejected',
        fields: { hookgate: 'standard-webhooks', outcome: 'rejected', status: 401, code: 'invalid_signature' },
      },
      {
        level: 'error',
        message: 'webhook failed',
        fields: {
          hookgate: 'standard-webhooks',
          outcome: 'failed',
          status: 500,
          code: 'handler_failed',
          id: 'msg_l3',
          type: 'invoice.failed',
        },
      },
    ]);
  });

  test('store failures at error: a claim that fails (503), and a completion that fails after the answer', async () => {
    const lines: Parameters<typeof captureLogger>[0] = [];
    const broken = (failing: 'claim' | 'complete'): DedupeStore => {
      const store = new MemoryStore();
      return {
        claim: (key, leaseMs) =>
          failing === 'claim' ? Promise.reject(new Error('ECONNREFUSED')) : store.claim(key, leaseMs),
        complete: (key, token, ttlMs) =>
          failing === 'complete' ? Promise.reject(new Error('ECONNRESET')) : store.complete(key, token, ttlMs),
        release: (key, token) => store.release(key, token),
      };
    };
    const down = receiverWith({ logger: captureLogger(lines), dedupe: { store: broken('claim') } });
    down.on('invoice.paid', () => {});
    expect((await down.handle(delivery('msg_s1'))).status).toBe(503);
    const flaky = receiverWith({ logger: captureLogger(lines), dedupe: { store: broken('complete') } });
    flaky.on('invoice.paid', () => {});
    expect((await flaky.handle(delivery('msg_s2'))).status).toBe(200);
    expect(lines.filter((line) => line.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'webhook unavailable',
        fields: {
          hookgate: 'standard-webhooks',
          outcome: 'unavailable',
          status: 503,
          code: 'store_unavailable',
          id: 'msg_s1',
          type: 'invoice.paid',
          durationMs: expect.any(Number),
        },
      },
      {
        level: 'error',
        message: 'webhook failure after the answer',
        fields: { hookgate: 'standard-webhooks', code: 'store_unavailable', id: 'msg_s2', type: 'invoice.paid' },
      },
    ]);
  });

  test('an adapter’s request logger is used (with the scheme on each line), unless logger is false', async () => {
    const lines: Parameters<typeof captureLogger>[0] = [];
    const requestLogger = captureLogger(lines);
    const receiver = receiverWith({ openTelemetry: false }).on('invoice.paid', () => {});
    await receiver.handle({ ...delivery('msg_r1', {}, true), logger: requestLogger });
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'webhook rejected',
        fields: { hookgate: 'standard-webhooks', outcome: 'rejected', status: 401, code: 'invalid_signature' },
      },
    ]);
    const silenced = receiverWith({ openTelemetry: false, logger: false }).on('invoice.paid', () => {});
    await silenced.handle({ ...delivery('msg_r2', {}, true), logger: requestLogger });
    expect(lines).toHaveLength(1);
  });

  test('silent by default: nothing reaches the console', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    try {
      const receiver = createReceiver({ scheme }).on('invoice.failed', () => {
        throw new Error('boom');
      });
      await receiver.handle(delivery('msg_c1', {}, true));
      await receiver.handle(delivery('msg_c2', { type: 'invoice.failed' }));
      await receiver.handle(delivery('msg_c3', { type: 'invoice.unknown' }));
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('diagnostics channels', () => {
  type Event = [string, string, Record<string, unknown>];
  function listen(name: string, events: Event[]) {
    const channel = diagnostics.tracingChannel(name);
    const record = (kind: string) => (message: unknown) =>
      events.push([name, kind, { ...(message as Record<string, unknown>) }]);
    const handlers = {
      start: record('start'),
      end: record('end'),
      asyncStart: record('asyncStart'),
      asyncEnd: record('asyncEnd'),
      error: record('error'),
    };
    channel.subscribe(handlers);
    return () => channel.unsubscribe(handlers);
  }

  test('handle, verify and dispatch publish start/end (and async, error) with no secret or payload', async () => {
    const events: Event[] = [];
    const stops = ['hookgate:handle', 'hookgate:verify', 'hookgate:dispatch'].map((name) => listen(name, events));
    try {
      const receiver = createReceiver({ scheme, openTelemetry: false })
        .on('invoice.paid', async () => {})
        .on('invoice.failed', () => {
          throw new Error('nope');
        });
      await receiver.handle(delivery('msg_dc1'));
      expect(events.map(([name, kind]) => `${name} ${kind}`)).toEqual([
        'hookgate:handle start',
        'hookgate:verify start',
        'hookgate:verify end',
        // A synchronous scheme and store: handle reaches the handlers before its synchronous part ends.
        'hookgate:dispatch start',
        'hookgate:dispatch end',
        'hookgate:handle end',
        'hookgate:dispatch asyncStart',
        'hookgate:dispatch asyncEnd',
        'hookgate:handle asyncStart',
        'hookgate:handle asyncEnd',
      ]);
      const last = events.at(-1)?.[2];
      expect(last).toMatchObject({
        scheme: 'standard-webhooks',
        operation: 'handle',
        result: { status: 200 },
        record: { outcome: 'processed', id: 'msg_dc1' },
      });
      expect(events.find(([name, kind]) => name === 'hookgate:verify' && kind === 'end')?.[2]).toMatchObject({
        scheme: 'standard-webhooks',
        result: { id: 'msg_dc1' },
      });
      expect(events.find(([name]) => name === 'hookgate:dispatch')?.[2]).toEqual({
        scheme: 'standard-webhooks',
        id: 'msg_dc1',
        type: 'invoice.paid',
      });

      events.length = 0;
      await receiver.handle(delivery('msg_dc2', {}, true));
      expect(events.find(([name, kind]) => name === 'hookgate:verify' && kind === 'error')?.[2].error).toMatchObject({
        code: 'invalid_signature',
      });
      events.length = 0;
      await receiver.handle(delivery('msg_dc3', { type: 'invoice.failed' }));
      expect(events.filter(([name]) => name === 'hookgate:dispatch').map(([, kind]) => kind)).toEqual([
        'start',
        'error',
        'end',
      ]);
      for (const [, , message] of events) {
        const text = JSON.stringify(message);
        expect(text).not.toContain(MARKER);
        expect(text).not.toContain(secret.slice(6));
      }
    } finally {
      for (const stop of stops) stop();
    }
    events.length = 0;
    await createReceiver({ scheme, openTelemetry: false })
      .on('invoice.paid', () => {})
      .handle(delivery('msg_dc4'));
    expect(events).toEqual([]);
  });

  test('a store bound to the dispatch channel is active while the handlers run (how APM agents link their spans)', async () => {
    const store = new AsyncLocalStorage<string>();
    const channel = diagnostics.tracingChannel('hookgate:dispatch');
    const transform = (message: unknown) => `apm span for ${(message as { id: string }).id}`;
    channel.start.bindStore(store, transform);
    try {
      const seen: (string | undefined)[] = [];
      const receiver = createReceiver({ scheme, openTelemetry: false }).on('invoice.paid', async () => {
        await Promise.resolve();
        seen.push(store.getStore());
      });
      await receiver.handle(delivery('msg_als'));
      expect(seen).toEqual(['apm span for msg_als']);
    } finally {
      channel.start.unbindStore(store);
    }
  });
});

describe('across a queue (durable mode)', () => {
  test('PRODUCER at enqueue, the context in envelope.trace through JSON, a CONSUMER linked to it', async () => {
    const receiver = receiverWith().on('invoice.paid', () => {
      otel.tracer.startSpan('send email').end();
    });
    const queue = new QueueTracing({ tracerProvider: otel.tracerProvider });
    const jobs: string[] = [];
    const accepted = await underServer(async () => {
      const { envelope } = await receiver.accept(delivery('msg_q1'));
      if (!envelope) throw new Error('not accepted');
      return queue.enqueue(envelope, { name: 'webhooks', system: 'memory' }, (traced) => {
        jobs.push(JSON.stringify(envelopeToJSON(traced)));
        return traced;
      });
    });
    expect(accepted.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const job = envelopeFromJSON(JSON.parse(jobs[0] ?? '{}'));
    const result = await queue.consume(job, { name: 'webhooks', system: 'memory', attempt: 1 }, () =>
      receiver.process(job),
    );
    expect(result.status).toBe(200);
    const spans = otel.spans();
    expect(spanTree(spans)).toBe(
      [
        'POST /webhooks [SERVER]',
        `  ${SPAN} accept [INTERNAL] hookgate.scheme=standard-webhooks hookgate.outcome=accepted hookgate.signature.verified=true hookgate.delivery.id=msg_q1 hookgate.event.type=invoice.paid hookgate.ordering.key_present=false`,
        '  send webhooks [PRODUCER] messaging.operation.name=send messaging.operation.type=send messaging.destination.name=webhooks hookgate.scheme=standard-webhooks messaging.system=memory hookgate.delivery.id=msg_q1 hookgate.event.type=invoice.paid',
        '    process webhooks [CONSUMER] messaging.operation.name=process messaging.operation.type=process messaging.destination.name=webhooks hookgate.scheme=standard-webhooks messaging.system=memory hookgate.delivery.id=msg_q1 hookgate.event.type=invoice.paid hookgate.delivery.attempt=1',
        `      ${SPAN} [INTERNAL] hookgate.scheme=standard-webhooks hookgate.outcome=processed hookgate.response.status_code=200 hookgate.signature.verified=true hookgate.delivery.id=msg_q1 hookgate.event.type=invoice.paid hookgate.dedupe.result=claimed hookgate.ordering.key_present=false`,
        '        send email [INTERNAL]',
      ].join('\n'),
    );
    const producer = onlySpan(spans, 'send webhooks');
    const consumer = onlySpan(spans, 'process webhooks');
    expect(consumer.links.map((link) => link.context.spanId)).toEqual([idOf(producer)]);
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);

    // A retry: linked to the producer, not its child.
    otel.reset();
    const retried = await queue.consume(job, { name: 'webhooks', attempt: 2 }, () => receiver.process(job));
    expect(retried.outcome).toBe('duplicate');
    const retry = onlySpan(otel.spans(), 'process webhooks');
    expect(retry.parentSpanContext).toBeUndefined();
    expect(retry.links.map((link) => link.context.spanId)).toEqual([idOf(producer)]);
  });

  test('a failed processing marks the CONSUMER span; a junk trace record is ignored', async () => {
    const receiver = receiverWith().on('invoice.paid', () => {
      throw new Error('down');
    });
    const queue = new QueueTracing({ tracerProvider: otel.tracerProvider });
    const { envelope } = await receiver.accept(delivery('msg_q2'));
    if (!envelope) throw new Error('not accepted');
    const junk = { ...envelope, trace: { traceparent: '00-zz-not-a-trace' } };
    otel.reset();
    const result = await queue.consume(junk, { name: 'webhooks' }, () => receiver.process(junk));
    expect(result.status).toBe(500);
    const consumer = onlySpan(otel.spans(), 'process webhooks');
    expect(consumer.links).toEqual([]);
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler_failed' });
    expect(parentOf(onlySpan(otel.spans(), SPAN))).toBe(idOf(consumer));
  });

  test('createReceiver({ queue }): the enqueue is a PRODUCER span under the delivery span, its context in the queued envelope', async () => {
    const queued: QueueMessage[] = [];
    const sink: QueueSink = {
      enqueue: async (message) => {
        queued.push(message);
        return { messageId: `job-${queued.length}` };
      },
      describe: () => ({ name: 'webhooks', system: 'memory' }),
    };
    const receiver = receiverWith({ queue: sink });
    const answer = await underServer(() => receiver.handle(delivery('msg_q4')));
    expect(answer.status).toBe(202);
    const spans = otel.spans();
    expect(spanTree(spans, { attributes: false })).toBe(
      ['POST /webhooks [SERVER]', `  ${SPAN} [INTERNAL]`, '    send webhooks [PRODUCER]'].join('\n'),
    );
    const producer = onlySpan(spans, 'send webhooks');
    expect(producer.attributes).toEqual({
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'webhooks',
      'messaging.system': 'memory',
      'messaging.message.id': 'job-1',
      'hookgate.scheme': 'standard-webhooks',
      'hookgate.delivery.id': 'msg_q4',
      'hookgate.event.type': 'invoice.paid',
    });
    expect(onlySpan(spans, SPAN).attributes['hookgate.outcome']).toBe('queued');
    const { traceId, spanId } = producer.spanContext();
    expect(queued[0]?.envelope.trace).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });

    // A queue that does not describe itself: the span is named after the operation alone.
    otel.reset();
    const anonymous = receiverWith({ queue: { enqueue: async (message) => void queued.push(message) } });
    expect((await anonymous.handle(delivery('msg_q5'))).status).toBe(202);
    const bare = onlySpan(otel.spans(), 'send');
    expect(bare.attributes['messaging.destination.name']).toBeUndefined();
    expect(bare.attributes['messaging.message.id']).toBeUndefined();
    expect(queued[1]?.envelope.trace?.traceparent).toContain(bare.spanContext().spanId);
  });

  test('createReceiver({ queue }) with OpenTelemetry off: no span, no trace in the envelope, describe never asked', async () => {
    const queued: QueueMessage[] = [];
    let described = 0;
    const sink: QueueSink = {
      enqueue: async (message) => void queued.push(message),
      describe: () => {
        described++;
        return { name: 'webhooks' };
      },
    };
    const receiver = receiverWith({ queue: sink, openTelemetry: false });
    expect((await underServer(() => receiver.handle(delivery('msg_q6')))).status).toBe(202);
    expect(otel.spans().map((span) => span.name)).toEqual(['POST /webhooks']);
    expect(queued[0]?.envelope.trace).toBeUndefined();
    expect(described).toBe(0);
  });

  test('a broken SDK never stops an enqueue or a job, runs neither twice, and changes nothing they come to', async () => {
    const receiver = createReceiver({ scheme, openTelemetry: false }).on('invoice.paid', () => {});
    const { envelope } = await receiver.accept(delivery('msg_q7'));
    if (!envelope) throw new Error('not accepted');
    const sdkBug = () => {
      throw new Error('SDK bug');
    };
    let sends = 0;
    let runs = 0;
    const send = (traced: typeof envelope) => {
      sends++;
      return { messageId: `job-${sends}`, traced };
    };
    const run = () => {
      runs++;
      return receiver.process(envelope);
    };

    // A tracer that cannot start a span: both go untraced.
    const noSpans = new QueueTracing({ tracerProvider: { getTracer: () => ({ startSpan: sdkBug }) } });
    expect((await noSpans.enqueue(envelope, { name: 'webhooks' }, send)).messageId).toBe('job-1');
    expect((await noSpans.consume(envelope, { name: 'webhooks', attempt: 1 }, run)).outcome).toBe('processed');

    // Spans whose every method but spanContext throws: the answers stand, a failure still propagates as it was.
    const brokenSpan = {
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }),
      setAttribute: sdkBug,
      setAttributes: sdkBug,
      setStatus: sdkBug,
      end: sdkBug,
      isRecording: () => true,
    };
    const badSpans = new QueueTracing({ tracerProvider: { getTracer: () => ({ startSpan: () => brokenSpan }) } });
    const sent = await badSpans.enqueue(envelope, { name: 'webhooks' }, send);
    expect(sent.messageId).toBe('job-2');
    expect(sent.traced.trace).toEqual({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` });
    const failing = createReceiver({ scheme, openTelemetry: false }).on('invoice.paid', () => {
      throw new Error('down');
    });
    const failed = await badSpans.consume(envelope, { name: 'webhooks' }, () => failing.process(envelope));
    expect(failed.status).toBe(500);
    const thrown = new Error('the worker itself failed');
    await expect(badSpans.consume(envelope, { name: 'webhooks' }, () => Promise.reject(thrown))).rejects.toBe(thrown);

    // A context manager that throws before running anything: each runs once, outside it.
    uninstall();
    const broken = { active: () => ROOT_CONTEXT, with: sdkBug, bind: <T>(_c: unknown, target: T) => target };
    context.setGlobalContextManager({ ...broken, enable: () => broken, disable: () => broken } as never);
    try {
      const traced = new QueueTracing({ tracerProvider: otel.tracerProvider });
      expect((await traced.enqueue(envelope, { name: 'webhooks' }, send)).messageId).toBe('job-3');
      const again = { ...envelope, dedupeKey: `${envelope.dedupeKey}:again` };
      expect((await traced.consume(again, { name: 'webhooks' }, () => receiver.process(again))).outcome).toBe(
        'processed',
      );
    } finally {
      context.disable();
      uninstall = installContextManager();
    }
    expect([sends, runs]).toEqual([3, 1]);
  });

  test('without OpenTelemetry, enqueue and consume only run what they are given', async () => {
    const queue = new QueueTracing({ openTelemetry: false });
    const receiver = createReceiver({ scheme, openTelemetry: false }).on('invoice.paid', () => {});
    const { envelope } = await receiver.accept(delivery('msg_q3'));
    if (!envelope) throw new Error('not accepted');
    const sent = await queue.enqueue(envelope, { name: 'webhooks' }, (traced) => traced);
    expect(sent).toBe(envelope);
    expect(sent.trace).toBeUndefined();
    const result = await queue.consume(sent, { name: 'webhooks' }, () => receiver.process(sent));
    expect(result.status).toBe(200);
  });
});

describe('no secret, signature or payload', () => {
  test('in any span, metric attribute, log line or handle-channel message', async () => {
    const lines: Parameters<typeof captureLogger>[0] = [];
    const messages: unknown[] = [];
    const handleChannel = diagnostics.tracingChannel('hookgate:handle');
    const keep = {
      end: (message: unknown) => messages.push(message),
      asyncEnd: (message: unknown) => messages.push(message),
    };
    handleChannel.subscribe(keep as never);
    const own = otelHarness();
    const signatures: string[] = [];
    const sent = (id: string, payload: Record<string, unknown> = {}, forged = false) => {
      const request = delivery(id, payload, forged);
      const signature = (request.headers as Record<string, string>)['webhook-signature'] ?? '';
      signatures.push(signature, signature.slice(3));
      return request;
    };
    try {
      const receiver = createReceiver({
        scheme,
        tracerProvider: own.tracerProvider,
        meterProvider: own.meterProvider,
        logger: captureLogger(lines),
        events: {
          'invoice.checked': {
            '~standard': {
              version: 1,
              vendor: 'test',
              validate: (value: unknown) =>
                (value as { data?: { ok?: boolean } }).data?.ok
                  ? { value }
                  : { issues: [{ message: `bad ${MARKER}`, path: ['data'] }] },
            },
          },
        },
      })
        .onUntyped('invoice.paid', (_event, ctx: DeliveryContext) => {
          trace.getActiveSpan()?.addEvent('handler saw the delivery');
          expect(ctx.rawBody.toString()).toContain(MARKER);
        })
        .onUntyped('invoice.failed', () => {
          throw new Error(`${MARKER} ${secret}`);
        });
      const statuses = [
        await receiver.handle(sent('msg_x1')),
        await receiver.handle(sent('msg_x1')),
        await receiver.handle(sent('msg_x2', {}, true)),
        await receiver.handle(sent('msg_x3', { type: 'invoice.failed' })),
        await receiver.handle(sent('msg_x4', { type: 'invoice.checked', data: { ok: false, note: MARKER } })),
      ].map((response) => response.status);
      expect(statuses).toEqual([200, 200, 401, 500, 400]);

      const texts = [
        ...own.spans().map((span) =>
          JSON.stringify({
            name: span.name,
            attributes: span.attributes,
            status: span.status,
            events: span.events,
            links: span.links,
          }),
        ),
        JSON.stringify((await own.metrics()).scopeMetrics),
        ...lines.map((line) => JSON.stringify(line)),
        ...messages.map((message) => JSON.stringify(message)),
      ];
      expect(texts.length).toBeGreaterThan(10);
      const forbidden = [MARKER, secret, secret.slice(6), ...signatures.filter((s) => s.length > 10)];
      for (const text of texts) for (const value of forbidden) expect(text).not.toContain(value);
    } finally {
      handleChannel.unsubscribe(keep as never);
      await own.shutdown();
    }
  });
});

/**
 * Durable mode's OpenTelemetry on real BullMQ and Redis, with the SDK's
 * in-memory exporters: one trace from the web process's delivery span through
 * the PRODUCER span, across the queue, to the worker's CONSUMER span and the
 * handler's own spans; nothing at all when off.
 */
import { randomUUID } from 'node:crypto';
import { BullMQQueue, type BullMQQueueOptions } from '@hookgate/bullmq';
import {
  createReceiver,
  createWorker,
  type EnvelopeJSON,
  github,
  MemoryStore,
  type Receiver,
  type ReceiverOptions,
} from '@hookgate/core';
import { signGitHub } from '@hookgate/core/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from '../../../test/support/redis.js';
import { sleep } from '../../../test/support/time.js';
import { installContextManager, onlySpan, otelHarness, spanTree } from '../../core/test/otel-helpers.js';

const SECRET = 'otel-durable-secret-5d1e8a';
/** Sits in every payload: it must never reach a span or a metric. */
const MARKER = 'PAYLOAD-MARKER-b82c41';
const SPAN = 'webhook github';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describeWithRedis('durable mode with OpenTelemetry, on BullMQ', () => {
  const prefix = `hg-otel-test-${randomUUID()}`;
  const connection = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null };
  const closers: (() => Promise<unknown>)[] = [];
  let uninstall: () => void;
  beforeAll(() => {
    uninstall = installContextManager();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    uninstall();
    const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** A queue name of its own, a web receiver on it, and the worker's receiver (one store: one process here). */
  function setup(options: Partial<ReceiverOptions> = {}, queueOptions: Partial<BullMQQueueOptions> = {}) {
    const otel = otelHarness();
    closers.push(() => otel.shutdown());
    const name = `q-${randomUUID()}`;
    const open = () => {
      const queue = new BullMQQueue({ name, prefix, connection, ...queueOptions });
      closers.push(() => queue.close());
      return queue;
    };
    const store = new MemoryStore();
    const receiverOptions = {
      scheme: github({ secret: SECRET }),
      dedupe: { store },
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
      ...options,
    };
    const producer = open();
    const web = createReceiver({ ...receiverOptions, queue: producer });
    const worker: Receiver = createReceiver(receiverOptions);
    worker.onError(() => {});
    return { otel, name, producer, web, worker, consumer: open };
  }

  const signed = (payload: object, id: string = randomUUID()) => {
    const body = JSON.stringify({ action: 'opened', note: MARKER, ...payload });
    const headers = signGitHub({ secret: SECRET, body, delivery: id, event: 'issues' });
    return { id, headers, request: { method: 'POST', headers, body } };
  };

  /** What a framework's HTTP instrumentation does: a SERVER span, active while the request is handled. */
  function underServer<T>(otel: ReturnType<typeof otelHarness>, run: () => Promise<T>): Promise<T> {
    return otel.tracer.startActiveSpan('POST /webhooks', { kind: SpanKind.SERVER }, async (span) => {
      try {
        return await run();
      } finally {
        span.end();
      }
    });
  }

  test('one trace: delivery span → PRODUCER → (BullMQ) → CONSUMER, child and linked → the worker’s delivery span → the handler’s span', async () => {
    const { otel, name, producer, web, worker, consumer } = setup();
    worker.on('issues.opened', () => {
      otel.tracer.startSpan('handler: label issue').end();
    });
    const { request, id } = signed({ n: 1 });
    const answer = await underServer(otel, () => web.handle(request));
    expect(answer.status).toBe(202);

    // The trace context crossed the queue in the envelope.
    const [job] = await producer.queue.getJobs(['waiting']);
    const traceparent = (job?.data as EnvelopeJSON | undefined)?.trace?.traceparent;
    const sent = onlySpan(otel.spans(), `send ${name}`);
    expect(traceparent).toBe(`00-${sent.spanContext().traceId}-${idOf(sent)}-01`);

    const running = createWorker({ receiver: worker, queue: consumer() });
    await until('the CONSUMER span ended', () => otel.spans().some((span) => span.name === `process ${name}`));
    await running.close();

    const spans = otel.spans();
    expect(spanTree(spans, { attributes: false })).toBe(
      [
        'POST /webhooks [SERVER]',
        `  ${SPAN} [INTERNAL]`,
        `    send ${name} [PRODUCER]`,
        `      process ${name} [CONSUMER]`,
        `        ${SPAN} [INTERNAL]`,
        '          handler: label issue [INTERNAL]',
      ].join('\n'),
    );
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    const [web202, processed] = spans
      .filter((span) => span.name === SPAN)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(web202?.attributes).toMatchObject({ 'hookgate.outcome': 'queued', 'hookgate.response.status_code': 202 });
    expect(processed?.attributes).toMatchObject({ 'hookgate.outcome': 'processed', 'hookgate.delivery.id': id });

    const send = onlySpan(spans, `send ${name}`);
    const process = onlySpan(spans, `process ${name}`);
    expect(send.parentSpanContext?.spanId).toBe(web202 && idOf(web202));
    // The first attempt is the producer's child, and linked to it as well.
    expect(process.parentSpanContext?.spanId).toBe(idOf(send));
    expect(process.links.map((link) => link.context.spanId)).toEqual([idOf(send)]);
    expect(processed?.parentSpanContext?.spanId).toBe(idOf(process));
    expect(send.attributes).toEqual({
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': name,
      'messaging.system': 'bullmq',
      'messaging.message.id': job?.id,
      'hookgate.scheme': 'github',
      'hookgate.delivery.id': id,
      'hookgate.event.type': 'issues.opened',
    });
    expect(process.attributes).toEqual({
      ...send.attributes,
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'hookgate.delivery.attempt': 1,
    });
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('OpenTelemetry off: no span, no metric, no trace context in the job; describe and counts never asked', async () => {
    const { otel, producer, web, worker, consumer } = setup({ openTelemetry: false });
    let ran = 0;
    worker.on('issues.opened', () => {
      ran++;
    });
    expect((await underServer(otel, () => web.handle(signed({ n: 4 }).request))).status).toBe(202);
    const [job] = await producer.queue.getJobs(['waiting']);
    expect(job?.data).toMatchObject({ v: 1, type: 'issues.opened' });
    expect((job?.data as EnvelopeJSON | undefined)?.trace).toBeUndefined();
    const source = consumer();
    const asked: string[] = [];
    source.describe = () => {
      asked.push('describe');
      return { name: 'x' };
    };
    source.counts = async () => {
      asked.push('counts');
      return { waiting: 0, delayed: 0, deadLetter: 0 };
    };
    const running = createWorker({ receiver: worker, queue: source });
    await until('the handler ran', () => ran === 1);
    await running.close();
    expect(otel.spans().map((span) => span.name)).toEqual(['POST /webhooks']);
    const names = (await otel.metrics()).scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
    expect(names).toEqual([]);
    expect(asked).toEqual([]);
  });
});

/**
 * Durable mode's OpenTelemetry on real BullMQ and Redis, with the SDK's
 * in-memory exporters: one trace from the web process's delivery span through
 * the PRODUCER span, across the queue, to the worker's CONSUMER span and the
 * handler's own spans; the queue metrics (jobs by verdict, dead letters, lag,
 * depth from BullMQ's counts); nothing secret anywhere; nothing at all when off.
 */
import { randomUUID } from 'node:crypto';
import { BullMQQueue, type BullMQQueueOptions } from '@hookgate/bullmq';
import {
  createReceiver,
  createWorker,
  type EnvelopeJSON,
  github,
  type HookgateError,
  isHookgateError,
  MemoryStore,
  type Receiver,
  type ReceiverOptions,
} from '@hookgate/core';
import { sampleEnvelope, signGitHub } from '@hookgate/core/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker as BullMQWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from '../../../test/support/redis.js';
import { deferred, sleep } from '../../../test/support/time.js';
import {
  type HistogramPoint,
  installContextManager,
  metricPoints,
  onlySpan,
  otelHarness,
  spanTree,
} from '../../core/test/otel-helpers.js';

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

  test('a job failing until dead-lettered: retry spans linked, not children; jobs, dead letters, lag and depth metrics; no secret anywhere', async () => {
    const { otel, name, producer, web, worker, consumer } = setup();
    const runs: number[] = [];
    worker.on('issues.opened', () => {
      runs.push(Date.now());
      throw new Error(`cannot process ${MARKER} ${SECRET}`);
    });
    const { request, headers } = signed({ n: 2 });
    expect((await underServer(otel, () => web.handle(request))).status).toBe(202);
    const running = createWorker({
      receiver: worker,
      queue: consumer(),
      attempts: 2,
      backoff: { baseMs: 20, factor: 1, maxMs: 20 },
    });
    await until('dead-lettered', async () => (await running.deadLetters()).length === 1);
    expect(runs).toHaveLength(2);

    const spans = otel.spans();
    const send = onlySpan(spans, `send ${name}`);
    const attempts = spans
      .filter((span) => span.name === `process ${name}`)
      .sort(
        (a, b) => Number(a.attributes['hookgate.delivery.attempt']) - Number(b.attributes['hookgate.delivery.attempt']),
      );
    expect(attempts.map((span) => span.attributes['hookgate.delivery.attempt'])).toEqual([1, 2]);
    const [first, retry] = attempts as [ReadableSpan, ReadableSpan];
    expect(first.parentSpanContext?.spanId).toBe(idOf(send));
    // A retry starts a trace of its own (hours may have passed), linked to the producer.
    expect(retry.parentSpanContext).toBeUndefined();
    expect(retry.spanContext().traceId).not.toBe(send.spanContext().traceId);
    expect(retry.links.map((link) => link.context.spanId)).toEqual([idOf(send)]);
    for (const span of attempts) expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler_failed' });

    const metrics = await otel.metrics();
    const queueAttributes = { 'messaging.system': 'bullmq', 'messaging.destination.name': name };
    const jobs = metricPoints(metrics, 'hookgate.queue.jobs');
    expect(jobs?.descriptor).toMatchObject({ unit: '{job}' });
    expect((jobs?.points ?? []).map((point) => ({ ...point.attributes, value: point.value }))).toEqual(
      expect.arrayContaining([
        {
          ...queueAttributes,
          'hookgate.scheme': 'github',
          'hookgate.queue.verdict': 'retry',
          'error.type': 'handler_failed',
          value: 1,
        },
        {
          ...queueAttributes,
          'hookgate.scheme': 'github',
          'hookgate.queue.verdict': 'dead_letter',
          'error.type': 'handler_failed',
          value: 1,
        },
      ]),
    );
    expect(jobs?.points).toHaveLength(2);
    const deadLetters = metricPoints(metrics, 'hookgate.queue.dead_letters');
    expect(deadLetters?.descriptor).toMatchObject({ unit: '{job}' });
    expect((deadLetters?.points ?? []).map((point) => ({ ...point.attributes, value: point.value }))).toEqual([
      { ...queueAttributes, 'hookgate.scheme': 'github', 'error.type': 'handler_failed', value: 1 },
    ]);
    // Lag: the first run only, in seconds (this one waited well under a minute).
    const lag = metricPoints<HistogramPoint['value']>(metrics, 'hookgate.queue.lag');
    expect(lag?.descriptor).toMatchObject({ unit: 's' });
    expect(lag?.points).toHaveLength(1);
    expect(lag?.points[0]?.attributes).toEqual({ ...queueAttributes, 'hookgate.scheme': 'github' });
    expect(lag?.points[0]?.value.count).toBe(1);
    expect(lag?.points[0]?.value.max).toBeGreaterThanOrEqual(0);
    expect(lag?.points[0]?.value.max).toBeLessThan(60);
    // Depth: what BullMQ counts, the dead letter included.
    const depth = metricPoints(metrics, 'hookgate.queue.depth');
    expect(depth?.descriptor).toMatchObject({ unit: '{job}' });
    const counts = await producer.queue.getJobCounts('waiting', 'delayed', 'failed');
    expect(counts).toEqual({ waiting: 0, delayed: 0, failed: 1 });
    expect(
      Object.fromEntries((depth?.points ?? []).map((p) => [p.attributes['hookgate.queue.state'], p.value])),
    ).toEqual({ waiting: 0, delayed: 0, dead_letter: 1 });
    for (const point of depth?.points ?? []) expect(point.attributes).toMatchObject(queueAttributes);
    await running.close();

    // Nothing secret in any span (events, links and status included) or metric.
    const signature = headers['x-hub-signature-256'] ?? '';
    expect(signature.length).toBeGreaterThan(20);
    const texts = [
      ...spans.map((span) =>
        JSON.stringify({
          name: span.name,
          attributes: span.attributes,
          status: span.status,
          events: span.events,
          links: span.links,
        }),
      ),
      JSON.stringify(metrics.scopeMetrics),
    ];
    for (const text of texts) {
      for (const forbidden of [MARKER, SECRET, signature, signature.slice(7)]) expect(text).not.toContain(forbidden);
    }
  });

  test('a job whose workers keep dying is dead-lettered by BullMQ without a run: reported (worker_lost), counted, listed', async () => {
    // Dead-lettered at its first stall, so the test needs one dying worker, not eleven.
    const { otel, name, web, worker, consumer } = setup({}, { stalledIntervalMs: 200, maxStalledCount: 0 });
    const heard: HookgateError[] = [];
    worker.onError((error) => {
      if (isHookgateError(error)) heard.push(error);
    });
    let runs = 0;
    worker.on('issues.opened', () => {
      runs++;
    });
    const { request } = signed({ n: 5 });
    expect((await web.handle(request)).status).toBe(202);
    // A worker that takes the job and dies holding it: force-closed, it stops renewing the job's lock.
    const taken = deferred();
    const dying = new BullMQWorker(
      name,
      async () => {
        taken.resolve();
        await new Promise(() => {});
      },
      // Its own stall check sets the queue's check interval too: as short as the live worker's.
      { prefix, connection, lockDuration: 300, stalledInterval: 200 },
    );
    dying.on('error', () => {});
    await taken.promise;
    const running = createWorker({ receiver: worker, queue: consumer() });
    await dying.close(true);
    await until('dead-lettered', async () => (await running.deadLetters()).length === 1);
    await until('reported', () => heard.length === 1);
    expect(runs).toBe(0);
    const [letter] = await running.deadLetters();
    expect(letter?.failure.code).toBe('worker_lost');
    expect(letter?.failure.message).toContain('maxStalledCount');
    expect(heard[0]?.code).toBe('worker_lost');
    expect(heard[0]?.message).toBe(`Job ${letter?.id} was dead-lettered by the queue: ${letter?.failure.message}`);

    const metrics = await otel.metrics();
    const queueAttributes = { 'messaging.system': 'bullmq', 'messaging.destination.name': name };
    const deadLetters = metricPoints(metrics, 'hookgate.queue.dead_letters');
    expect((deadLetters?.points ?? []).map((point) => ({ ...point.attributes, value: point.value }))).toEqual([
      { ...queueAttributes, 'hookgate.scheme': 'github', 'error.type': 'worker_lost', value: 1 },
    ]);
    const jobs = metricPoints(metrics, 'hookgate.queue.jobs');
    expect((jobs?.points ?? []).map((point) => ({ ...point.attributes, value: point.value }))).toEqual([
      {
        ...queueAttributes,
        'hookgate.scheme': 'github',
        'hookgate.queue.verdict': 'dead_letter',
        'error.type': 'worker_lost',
        value: 1,
      },
    ]);
    // Redriven, it runs (and is not counted again as lost).
    expect(await running.redrive()).toBe(1);
    await until('the redriven job ran', () => runs === 1);
    expect(heard).toHaveLength(1);
    await running.close();
  });

  test('the depth gauge reads BullMQ’s counts: waiting, delayed, dead-lettered', async () => {
    const { otel, producer, web, worker, consumer } = setup();
    const held = deferred();
    let started = 0;
    worker.on('issues.opened', async () => {
      started++;
      await held.promise;
    });
    for (const n of [1, 2, 3]) expect((await web.handle(signed({ n }).request)).status).toBe(202);
    // A job due in a minute, put there through BullMQ itself.
    const later = sampleEnvelope({ type: 'later' }, { dedupeKey: `later-${randomUUID()}` });
    await producer.queue.add('delivery', later, { delay: 60_000 });
    const source = consumer();
    const count = source.counts.bind(source);
    let reads = 0;
    source.counts = () => {
      reads++;
      return count();
    };
    const running = createWorker({ receiver: worker, queue: source, concurrency: 1 });
    try {
      await until('the first job is in hand', () => started === 1);
      const depth = metricPoints(await otel.metrics(), 'hookgate.queue.depth');
      const gauge = Object.fromEntries(
        (depth?.points ?? []).map((p) => [p.attributes['hookgate.queue.state'], p.value]),
      );
      const counts = await producer.queue.getJobCounts('waiting', 'delayed', 'failed');
      expect(gauge).toEqual({ waiting: counts.waiting, delayed: counts.delayed, dead_letter: counts.failed });
      expect(gauge).toEqual({ waiting: 2, delayed: 1, dead_letter: 0 });
      expect(reads).toBe(1);
    } finally {
      held.resolve();
      await running.close();
    }
    // Closed: the gauge no longer reads the queue.
    await otel.metrics();
    expect(reads).toBe(1);
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

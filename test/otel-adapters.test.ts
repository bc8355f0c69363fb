import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { createReceiver, type Receiver, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { hookgate as fastifyHookgate } from '@hookgate/fastify';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { installContextManager, onlySpan, otelHarness, spanTree } from '../packages/core/test/otel-helpers.js';
import { targets } from './adapters/targets.js';

/**
 * Each adapter over real HTTP, with the framework's own OpenTelemetry HTTP
 * instrumentation (@opentelemetry/instrumentation-http for node:http, Express
 * and Koa; with @fastify/otel too for Fastify): hookgate's INTERNAL span sits
 * under the one SERVER span, and the handler's spans under hookgate's.
 */
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const otel = otelHarness();
const http = new HttpInstrumentation();
let uninstall: () => void;

beforeAll(() => {
  uninstall = installContextManager();
  http.setTracerProvider(otel.tracerProvider);
  http.enable();
  // The instrumentation patches node:http when it is next required (it is loaded already).
  createRequire(import.meta.url)('node:http');
});
afterAll(async () => {
  http.disable();
  uninstall();
  await otel.shutdown();
});
afterEach(() => otel.reset());

function receiver(): Receiver {
  return createReceiver({ scheme: standardWebhooks({ secret }), tracerProvider: otel.tracerProvider }).on(
    'invoice.paid',
    () => {
      otel.tracer.startSpan('handler: store invoice').end();
    },
  );
}

async function send(url: string, id: string) {
  const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });
  const response = await fetch(`${url}/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signStandardWebhooks({ secret, body, id }) },
    body,
  });
  return response.status;
}

/** The spans once the SERVER span (ended after the answer is written) is exported. */
async function settledSpans(): Promise<ReadableSpan[]> {
  await vi.waitFor(() => expect(otel.spans().some((span) => span.kind === SpanKind.SERVER)).toBe(true));
  return otel.spans();
}

/** Walks up from the span to the SERVER span it sits under, if any. */
function serverAncestor(spans: readonly ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  const byId = new Map(spans.map((each) => [each.spanContext().spanId, each]));
  let current: ReadableSpan | undefined = span;
  while (current) {
    if (current.kind === SpanKind.SERVER) return current;
    const parent: string | undefined = current.parentSpanContext?.spanId;
    current = parent === undefined ? undefined : byId.get(parent);
  }
  return undefined;
}

describe.each(targets.map((target) => [target.name, target] as const))('%s', (_name, target) => {
  test("hookgate's span is under the instrumentation's SERVER span, the handler's under hookgate's", async () => {
    const app = await target.start(receiver(), 'plain');
    try {
      expect(await send(app.url, `msg_${target.name.replace(/\W+/g, '_')}`)).toBe(200);
    } finally {
      await app.close();
    }
    const spans = await settledSpans();
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(servers).toHaveLength(1);
    const span = onlySpan(spans, 'webhook standard-webhooks');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.parentSpanContext?.spanId).toBe(servers[0]?.spanContext().spanId);
    expect(onlySpan(spans, 'handler: store invoice').parentSpanContext?.spanId).toBe(span.spanContext().spanId);
  });
});

describe('fastify with @fastify/otel and its request logger', () => {
  test("hookgate's span under Fastify's request and handler spans, under the one SERVER span; request.log hears hookgate", async () => {
    const fastifyOtel = new FastifyOtelInstrumentation();
    fastifyOtel.setTracerProvider(otel.tracerProvider);
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = Fastify({ logger: { level: 'debug', stream } });
    await app.register(fastifyOtel.plugin());
    await app.register(fastifyHookgate, { path: '/webhooks', receiver: receiver() });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(await send(url, 'msg_fastify_otel')).toBe(200);
      const forged = await fetch(`${url}/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'x',
          'webhook-timestamp': '1',
          'webhook-signature': 'v1,AAAA',
        },
        body: '{}',
      });
      expect(forged.status).toBe(401);
    } finally {
      await app.close();
    }
    await vi.waitFor(() => expect(otel.spans().filter((span) => span.kind === SpanKind.SERVER)).toHaveLength(2));
    const spans = otel.spans();
    const delivered = spans.find((span) => span.attributes['hookgate.delivery.id'] === 'msg_fastify_otel');
    expect(delivered).toBeDefined();
    if (!delivered) return;
    const server = serverAncestor(spans, delivered);
    expect(server).toBeDefined();
    const trace = spans.filter((span) => span.spanContext().traceId === delivered.spanContext().traceId);
    expect(trace.filter((span) => span.kind === SpanKind.SERVER)).toHaveLength(1);
    // Fastify's own spans lie between the SERVER span and hookgate's.
    expect(delivered.parentSpanContext?.spanId).not.toBe(server?.spanContext().spanId);
    expect(spanTree(trace, { attributes: false })).toContain('webhook standard-webhooks [INTERNAL]');

    const hookgateLines = lines.filter((line) => line.hookgate === 'standard-webhooks');
    expect(hookgateLines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'webhook processed',
        id: 'msg_fastify_otel',
        reqId: expect.anything(),
      }),
      expect.objectContaining({ level: 40, msg: 'webhook rejected', code: 'invalid_signature', status: 401 }),
    ]);
    expect(hookgateLines[1]).not.toHaveProperty('id');
  });
});

import { createReceiver, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { metrics, trace } from '@opentelemetry/api';
import { afterAll, expect, test } from 'vitest';
import { post } from './helpers.js';
import { metricPoints, otelHarness } from './otel-helpers.js';

// This file alone touches the global providers (the other observability tests pass theirs in).
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const otel = otelHarness();
afterAll(async () => {
  trace.disable();
  metrics.disable();
  await otel.shutdown();
});

function delivery(id: string) {
  const body = JSON.stringify({ type: 'invoice.paid', data: {} });
  return post(signStandardWebhooks({ secret, body, id }), body);
}

test('the global providers by default, even when the SDK is registered after the receiver was created', async () => {
  // hookgate loads @opentelemetry/api itself (its CommonJS copy, here): the globals are shared across copies.
  const receiver = createReceiver({ scheme: standardWebhooks({ secret }) }).on('invoice.paid', () => {});
  expect((await receiver.handle(delivery('msg_before'))).status).toBe(200);
  expect(otel.spans()).toEqual([]);

  expect(trace.setGlobalTracerProvider(otel.tracerProvider)).toBe(true);
  expect(metrics.setGlobalMeterProvider(otel.meterProvider)).toBe(true);
  expect((await receiver.handle(delivery('msg_after'))).status).toBe(200);

  expect(otel.spans().map((span) => [span.name, span.attributes['hookgate.delivery.id']])).toEqual([
    ['webhook standard-webhooks', 'msg_after'],
  ]);
  const deliveries = metricPoints(await otel.metrics(), 'hookgate.deliveries');
  expect(deliveries?.points.map((point) => [point.attributes['hookgate.outcome'], point.value])).toEqual([
    ['processed', 1],
  ]);
});

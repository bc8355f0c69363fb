import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, standardWebhooks, toNodeHandler } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { trace } from '@opentelemetry/api';

// Run with the SDK loaded first: pnpm start (tsx --import ./instrumentation.ts app.ts).
const secret = process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const tracer = trace.getTracer('billing');

// No option needed: hookgate finds @opentelemetry/api and the SDK's global providers.
const receiver = createReceiver({ scheme: standardWebhooks({ secret }) });
receiver.on('invoice.paid', async (event) => {
  // The handler's own span nests under hookgate's `webhook standard-webhooks` span.
  await tracer.startActiveSpan('record payment', async (span) => {
    span.setAttribute('invoice.amount', (event as { data: { amount: number } }).data.amount);
    span.end();
  });
});

const server = createServer(toNodeHandler(receiver)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;

// Send ourselves one genuine delivery and one forgery, then print what was recorded.
const body = JSON.stringify({ type: 'invoice.paid', data: { amount: 4200 } });
const forger = 'whsec_bm90IHRoZSByaWdodCBzZWNyZXQ=';
for (const headers of [signStandardWebhooks({ secret, body }), signStandardWebhooks({ secret: forger, body })]) {
  const response = await fetch(url, { method: 'POST', headers, body });
  console.log(`POST /webhooks → ${response.status}`);
}
server.close();
const { sdk } = await import('./instrumentation.js');
await sdk.shutdown(); // flushes: the metrics print now

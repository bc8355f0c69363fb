/**
 * A Cloudflare Worker receiving Stripe webhooks at /webhooks/stripe.
 * wrangler bundles @hookgate/core with the `workerd` condition, which selects its
 * Web Crypto implementation: no nodejs_compat flag is needed.
 */
import { createReceiver, stripe, toFetchHandler } from '@hookgate/core';

export interface Env {
  STRIPE_WEBHOOK_SECRET: string;
}

let handleWebhook: ((request: Request) => Promise<Response>) | undefined;

/**
 * Secrets arrive with a request's `env`, so the receiver is built on the first
 * request and kept for the isolate's life. Its dedupe memory is per isolate:
 * Stripe's retries usually land on the same one, but not always. For dedupe
 * across isolates, give `dedupe: { store }` a DedupeStore on shared storage.
 */
function webhookHandler(env: Env): (request: Request) => Promise<Response> {
  if (handleWebhook === undefined) {
    const receiver = createReceiver({ scheme: stripe({ secret: env.STRIPE_WEBHOOK_SECRET }) });
    receiver.on('checkout.session.completed', async (_event, ctx) => {
      console.log(`checkout completed (${ctx.id})`);
    });
    receiver.onAny(async (_event, ctx) => {
      console.log(`stripe ${ctx.type} (${ctx.id})`);
    });
    handleWebhook = toFetchHandler(receiver);
  }
  return handleWebhook;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === '/webhooks/stripe') return webhookHandler(env)(request);
    return new Response('Not found', { status: 404 });
  },
};

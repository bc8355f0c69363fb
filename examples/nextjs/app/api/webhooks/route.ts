/**
 * app/api/webhooks/route.ts in a Next.js App Router project: POST /api/webhooks
 * receives Standard Webhooks / Svix deliveries (Clerk, Resend, …).
 * Runs on the Node runtime (node:crypto) and, uncommented, on the Edge runtime
 * (Web Crypto: Next bundles @hookgate/core with the edge-light condition).
 */
import { createReceiver, standardWebhooks, toFetchHandler } from '@hookgate/core';

// export const runtime = 'edge';

let handleWebhook: ((request: Request) => Promise<Response>) | undefined;

/** Built on the first request, not at import: `next build` imports route modules without the secrets. */
function webhookHandler(): (request: Request) => Promise<Response> {
  if (handleWebhook === undefined) {
    const receiver = createReceiver({ scheme: standardWebhooks({ secret: process.env.WEBHOOK_SECRET }) });
    receiver.on('user.created', async (_event, ctx) => {
      console.log(`user created (message ${ctx.id})`);
    });
    handleWebhook = toFetchHandler(receiver);
  }
  return handleWebhook;
}

export function POST(request: Request): Promise<Response> {
  return webhookHandler()(request);
}

/**
 * A Deno server receiving Shopify webhooks at /webhooks/shopify:
 * SHOPIFY_API_SECRET=… deno run --allow-net --allow-env server.ts (PORT defaults to 8000).
 * Outside this repository, import from "npm:@hookgate/core" (or map it in deno.json).
 * Under Deno, @hookgate/core's `deno` export condition selects its Web Crypto implementation.
 */
import { createReceiver, shopify, toFetchHandler } from '@hookgate/core';

// Deno's own types come with the deno CLI; this much is all the example uses.
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const receiver = createReceiver({ scheme: shopify({ secret: Deno.env.get('SHOPIFY_API_SECRET') }) });

receiver.on('orders/create', async (_event, ctx) => {
  console.log(`order created (event ${ctx.id})`);
});

const handleWebhook = toFetchHandler(receiver);

Deno.serve(
  {
    port: Number(Deno.env.get('PORT') ?? 8000),
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}/webhooks/shopify`),
  },
  (request) =>
    new URL(request.url).pathname === '/webhooks/shopify'
      ? handleWebhook(request)
      : new Response('Not found', { status: 404 }),
);

/**
 * A Bun server receiving GitHub webhooks at /webhooks/github:
 * GITHUB_WEBHOOK_SECRET=… bun server.ts (PORT defaults to 3000).
 * Under Bun, @hookgate/core's `bun` export condition selects its Web Crypto implementation.
 */
import { createReceiver, github, toFetchHandler } from '@hookgate/core';

// Bun's own types come from bun-types; this much is all the example uses.
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    routes: Record<string, { POST: (request: Request) => Promise<Response> }>;
    fetch(request: Request): Response;
  }): { url: URL };
};

const receiver = createReceiver({ scheme: github({ secret: process.env.GITHUB_WEBHOOK_SECRET }) });

receiver.on('issues.opened', async (event, ctx) => {
  console.log(`issue opened (delivery ${ctx.id})`, (event as { issue?: { title?: string } }).issue?.title);
});
receiver.on('ping', async (_event, ctx) => {
  console.log(`ping (delivery ${ctx.id})`);
});

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST ?? '127.0.0.1',
  routes: { '/webhooks/github': { POST: toFetchHandler(receiver) } },
  fetch: () => new Response('Not found', { status: 404 }),
});
console.log(`Listening on ${new URL('/webhooks/github', server.url)}`);

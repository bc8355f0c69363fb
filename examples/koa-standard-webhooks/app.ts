import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createReceiver, standardWebhooks } from '@hookgate/core';
import { hookgate } from '@hookgate/koa';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';

const InvoicePaid = z.object({
  type: z.literal('invoice.paid'),
  data: z.object({ id: z.string(), customer: z.string(), total: z.number() }),
});

export interface PaidInvoice {
  id: string;
  customer: string;
  total: number;
}

export function createApp(secret: string, invoices: PaidInvoice[] = []): Koa {
  const receiver = createReceiver({ scheme: standardWebhooks({ secret }), events: { 'invoice.paid': InvoicePaid } });
  receiver.on('invoice.paid', (event) => {
    invoices.push(event.data);
  });

  const app = new Koa();
  // @koa/bodyparser may run first: it keeps ctx.request.rawBody, which hookgate verifies.
  app.use(bodyParser());
  const router = new Router();
  router.post('/webhooks', hookgate(receiver));
  router.get('/invoices', (ctx) => {
    ctx.body = invoices;
  });
  app.use(router.routes());
  return app;
}

/** Starts the app on `port` (0 picks a free one). */
export async function start(port: number, secret: string, invoices: PaidInvoice[] = []) {
  const server = createApp(secret, invoices).listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) throw new Error('Set WEBHOOK_SECRET (whsec_…)');
  const { url } = await start(Number(process.env.PORT ?? 3000), secret);
  console.log(`Standard Webhooks: POST ${url}/webhooks`);
}

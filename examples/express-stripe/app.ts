import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createReceiver, stripe } from '@hookgate/core';
import { hookgate } from '@hookgate/express';
import express from 'express';
import { z } from 'zod';

const PaymentIntentSucceeded = z.object({
  id: z.string(),
  type: z.literal('payment_intent.succeeded'),
  data: z.object({ object: z.object({ id: z.string(), amount: z.number().int(), currency: z.string() }) }),
});

export interface Payment {
  intent: string;
  amount: number;
  currency: string;
}

export function createApp(secret: string, payments: Payment[] = []): express.Express {
  const receiver = createReceiver({
    scheme: stripe({ secret }),
    events: { 'payment_intent.succeeded': PaymentIntentSucceeded },
  });
  receiver.on('payment_intent.succeeded', (event) => {
    // `event` is typed and validated by the zod schema.
    const { id, amount, currency } = event.data.object;
    payments.push({ intent: id, amount, currency });
  });

  const app = express();
  // The webhook route comes before express.json(): hookgate reads the raw bytes itself.
  app.post('/webhooks/stripe', hookgate(receiver));
  app.use(express.json());
  app.get('/payments', (_req, res) => {
    res.json(payments);
  });
  return app;
}

/** Starts the app on `port` (0 picks a free one). */
export async function start(port: number, secret: string, payments: Payment[] = []) {
  const server: Server = createApp(secret, payments).listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set STRIPE_WEBHOOK_SECRET (whsec_…)');
  const { url } = await start(Number(process.env.PORT ?? 3000), secret);
  console.log(`Stripe webhooks: POST ${url}/webhooks/stripe`);
}

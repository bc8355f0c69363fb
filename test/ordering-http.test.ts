/**
 * Ordering over real HTTP in one process: a shuffled, concurrent stream of
 * 20 keys × sequences 1..30 reaches the handler in order per key, each once.
 */
import { createServer } from 'node:http';
import { createReceiver, standardWebhooks, toNodeHandler } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import { type Listening, listenOnLoopback } from './support/net.js';
import { sleep } from './support/time.js';

const secret = `whsec_${Buffer.from('hookgate-ordering-http').toString('base64')}`;
const seen = new Map<string, number[]>();
const receiver = createReceiver({
  scheme: standardWebhooks({ secret }),
  events: {
    'customer.updated': z.object({
      type: z.literal('customer.updated'),
      data: z.object({ customer: z.string(), seq: z.number().int() }),
    }),
  },
  order: { key: (e) => e.data.customer, sequence: (e) => e.data.seq, start: 1, holdMs: 10_000, maxHeldPerKey: 30 },
});
receiver.on('customer.updated', async (event) => {
  // A little work, so events of one key really overlap in time.
  await sleep(Math.random() * 3);
  const list = seen.get(event.data.customer) ?? [];
  list.push(event.data.seq);
  seen.set(event.data.customer, list);
});

let server: Listening;
let url: string;
beforeAll(async () => {
  server = await listenOnLoopback(createServer(toNodeHandler(receiver)));
  url = `${server.origin}/webhooks`;
});
afterAll(async () => {
  await receiver.close();
  await server.close();
});

test('20 keys × 1..30 as a random concurrent shuffle: each key is handled exactly 1..30, in order', async () => {
  const all = Array.from({ length: 20 }, (_, k) =>
    Array.from({ length: 30 }, (_, s) => [`k${k}`, s + 1] as const),
  ).flat();
  const [shuffled] = fc.sample(fc.shuffledSubarray(all, { minLength: all.length }), { numRuns: 1 });
  const statuses = await Promise.all(
    shuffled!.map(async ([customer, seq]) => {
      const body = JSON.stringify({ type: 'customer.updated', data: { customer, seq } });
      const headers = { ...signStandardWebhooks({ secret, body }), 'content-type': 'application/json' };
      const response = await fetch(url, { method: 'POST', headers, body });
      return `${response.status} ${await response.text()}`;
    }),
  );
  expect(new Set(statuses)).toEqual(new Set(['200 {"status":"processed"}']));
  expect(seen.size).toBe(20);
  for (const [, sequence] of seen) expect(sequence).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
}, 60_000);

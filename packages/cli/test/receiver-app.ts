import { createServer } from 'node:http';
import { createReceiver, github, toNodeHandler } from '@hookgate/core';
import { RedisDeliveryLog, RedisStore } from '@hookgate/redis';
import type { Redis } from 'ioredis';
import { listenOnLoopback } from '../../../test/support/net.js';

/**
 * A GitHub receiver on node:http whose handler is broken until `fix()`, with
 * dedupe and a capturing delivery log in Redis: the setup replay is for.
 */
export async function startApp(options: { client: Redis; prefix: string; secret: string }) {
  const log = new RedisDeliveryLog({ client: options.client, prefix: options.prefix });
  const receiver = createReceiver({
    scheme: github({ secret: options.secret }),
    dedupe: { store: new RedisStore({ client: options.client, prefix: options.prefix }) },
    log: { store: log, capture: 'failed' },
  });
  let broken = true;
  const processed: { delivery: string | undefined; number: number }[] = [];
  receiver.on('issues.opened', (event, ctx) => {
    if (broken) throw new Error('the handler has a bug');
    processed.push({ delivery: ctx.id, number: (event as { issue: { number: number } }).issue.number });
  });
  const server = createServer(toNodeHandler(receiver));
  const listening = await listenOnLoopback(server);
  return {
    url: `${listening.origin}/webhooks`,
    receiver,
    log,
    processed,
    fix: () => {
      broken = false;
    },
    close: async () => {
      await receiver.close();
      await listening.close();
    },
  };
}

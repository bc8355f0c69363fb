import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, github, toNodeHandler } from '@hookgate/core';
import { RedisDeliveryLog, RedisStore } from '@hookgate/redis';
import type { Redis } from 'ioredis';

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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    receiver,
    log,
    processed,
    fix: () => {
      broken = false;
    },
    close: async () => {
      await receiver.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * A receiver server for bench/durable.ts, in its own process so its CPU time is
 * its own: MODE=inline runs the handler (a no-op) in the request; MODE=durable
 * verifies, claims, enqueues on BullMQ and answers 202. Both dedupe in a
 * RedisStore on the same Redis. IPC: sends { port }; answers 'cpu' with its
 * process.cpuUsage() in microseconds.
 */
import { BullMQQueue } from '@hookgate/bullmq';
import { createReceiver, github } from '@hookgate/core';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { serveReceiver } from '../test/fixtures/web-server.js';

const port = Number(process.env.REDIS_PORT);
const durable = process.env.MODE === 'durable';
const client = new Redis({ host: '127.0.0.1', port });
const queue = durable
  ? new BullMQQueue({
      name: process.env.QUEUE_NAME ?? 'bench',
      connection: { host: '127.0.0.1', port, enableOfflineQueue: false },
    })
  : undefined;
const receiver = createReceiver({
  scheme: github({ secret: process.env.SECRET ?? '' }),
  dedupe: { store: new RedisStore({ client, prefix: `${process.env.PREFIX}${process.env.MODE}:` }), ttlMs: 600_000 },
  ...(queue ? { queue } : {}),
});
receiver.onError(() => {});
receiver.onAny(() => {});

const server = serveReceiver(receiver);
// Connect before the first request (a web process does this at start-up).
await queue?.queue.waitUntilReady();
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.send?.({ port: address.port });
});
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  }
});
process.on('disconnect', () => process.exit(0));

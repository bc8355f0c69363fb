/**
 * GitHub never redelivers a failed delivery. In durable mode the web process
 * answers only once the verified delivery is on the queue (202); the worker
 * runs the handler, retries it with backoff when it fails, and dead-letters it
 * after the last attempt, to be redriven once fixed. Both processes build the
 * same receiver (scheme, events, dedupe store); only the worker registers handlers.
 *
 *   GITHUB_WEBHOOK_SECRET=… pnpm web      # POST http://127.0.0.1:3000/webhooks/github
 *   GITHUB_WEBHOOK_SECRET=… pnpm worker
 *
 * With an OpenTelemetry SDK registered in both processes (see examples/otel-console),
 * each delivery is one trace, with no option here: the web's `webhook github` span,
 * its `send github-webhooks` PRODUCER span, then in the worker `process github-webhooks`
 * (CONSUMER) with the handler's spans under it; workers add `hookgate.queue.*` metrics
 * (jobs by verdict, dead letters, lag, depth).
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { BullMQQueue } from '@hookgate/bullmq';
import { createReceiver, createWorker, github, toNodeHandler, type Worker } from '@hookgate/core';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { z } from 'zod';

const IssueOpened = z.object({
  action: z.literal('opened'),
  issue: z.object({ number: z.number().int(), title: z.string() }),
  repository: z.object({ full_name: z.string() }),
});

export interface OpenedIssue {
  repository: string;
  number: number;
  title: string;
}

export interface AppOptions {
  secret: string;
  /** An ioredis client for the dedupe store. */
  redis: Redis;
  /** Where the queue's Redis is (BullMQ makes its own connections from these). */
  redisPort?: number;
  queueName?: string;
  /** Key prefix for the queue and the store (tests use one per run). */
  prefix?: string;
}

/** The one receiver both processes build: the web with the queue, the worker without (it runs the handlers). */
function build(options: AppOptions, queue?: BullMQQueue) {
  const prefix = options.prefix ?? 'hookgate';
  const receiver = createReceiver({
    scheme: github({ secret: options.secret }),
    events: { 'issues.opened': IssueOpened },
    dedupe: { store: new RedisStore({ client: options.redis, prefix: `${prefix}:dedupe:` }) },
    ...(queue ? { queue } : {}),
  });
  return receiver;
}

function queueFor(options: AppOptions, connection: Record<string, unknown>): BullMQQueue {
  return new BullMQQueue({
    name: options.queueName ?? 'github-webhooks',
    prefix: options.prefix ?? 'hookgate',
    connection: { host: '127.0.0.1', port: options.redisPort ?? 6379, ...connection },
  });
}

/** The web process: verify, claim, enqueue, 202. A queue that is down answers 503 + Retry-After. */
export function startWeb(port: number, options: AppOptions): Promise<{ url: string; close: () => Promise<void> }> {
  // enableOfflineQueue: false: with Redis away, enqueue fails at once (503) instead of waiting.
  const queue = queueFor(options, { enableOfflineQueue: false });
  const server = createServer(toNodeHandler(build(options, queue)));
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
      resolve({
        url,
        close: async () => {
          await new Promise((done) => server.close(done));
          await queue.close();
        },
      });
    });
  });
}

/** The worker: the handlers, with retries (exponential backoff, hours by default) and a dead-letter state. */
export function startWorker(options: AppOptions, issues: OpenedIssue[] = []): Worker {
  const receiver = build(options);
  receiver.on('issues.opened', async (event) => {
    issues.push({ repository: event.repository.full_name, number: event.issue.number, title: event.issue.title });
  });
  receiver.onError((error) => console.error(`hookgate: ${error.code}: ${error.message}`));
  // A worker's connection waits out a Redis outage (maxRetriesPerRequest: null): its jobs wait and resume.
  const queue = queueFor(options, { maxRetriesPerRequest: null });
  return createWorker({ receiver, queue, concurrency: 8 });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.GITHUB_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set GITHUB_WEBHOOK_SECRET');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (process.argv[2] === 'worker') {
    const worker = startWorker({ secret, redis });
    console.log('worker: taking jobs from the github-webhooks queue');
    process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  } else {
    const { url } = await startWeb(Number(process.env.PORT ?? 3000), { secret, redis });
    console.log(`GitHub webhooks: POST ${url}/webhooks/github (durable: answered 202 once queued)`);
  }
}

/**
 * Durable mode: the accept path over HTTP (verify, claim, enqueue on BullMQ,
 * 202) against inline mode (verify, claim, a no-op handler, complete, 200),
 * each server in its own process with a RedisStore on the same Redis, timed in
 * the same run: server CPU per request and deliveries per second. Then a worker
 * drains what the accept path queued, with a no-op handler: jobs per second.
 *
 *   pnpm build && pnpm exec tsx bench/durable.ts [--quick]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BullMQQueue } from '@hookgate/bullmq';
import { createReceiver, createWorker, github } from '@hookgate/core';
import { signGitHub } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { benchRedis } from './redis-store.js';

export interface DurableBenchRow {
  path: string;
  'deliveries/s': number;
  'server CPU µs/request': number;
  'vs inline CPU': number | string;
}

const SECRET = 'hookgate-bench-durable';
const CONCURRENCY = 32;
const SERVER = fileURLToPath(new URL('./durable-server.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', TSX, SERVER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
  });
}

const cpuOf = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    child.once('message', (message: { cpu: number }) => resolve(message.cpu));
    child.send('cpu');
  });

function deliveries(count: number) {
  return Array.from({ length: count }, (_, n) => {
    const body = JSON.stringify({ action: 'opened', issue: { number: n, title: 'x'.repeat(600) } });
    return { body, headers: signGitHub({ secret: SECRET, body, event: 'issues', delivery: randomUUID() }) };
  });
}

function post(agent: Agent, port: number, delivery: { body: string; headers: Record<string, string> }) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: { ...delivery.headers, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(delivery.body);
  });
}

/** Sends every delivery, CONCURRENCY at a time; the server's CPU and the wall time of the whole batch. */
async function load(server: { child: ChildProcess; port: number }, batch: ReturnType<typeof deliveries>, ok: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const cpuBefore = await cpuOf(server.child);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < batch.length; i = next++) {
        const status = await post(agent, server.port, batch[i] as (typeof batch)[number]);
        if (status !== ok) throw new Error(`bench delivery answered ${status}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuOf(server.child)) - cpuBefore;
  agent.destroy();
  return { perSecond: batch.length / seconds, cpuPerRequest: cpu / batch.length };
}

export async function runDurableBench({ quick }: { quick: boolean }): Promise<DurableBenchRow[]> {
  const count = quick ? 2_000 : 10_000;
  const rounds = quick ? 1 : 3;
  const redis = await benchRedis();
  const name = `bench-${randomUUID()}`;
  const prefix = `bench:durable:${randomUUID()}:`;
  const env = { REDIS_PORT: String(redis.port), QUEUE_NAME: name, PREFIX: prefix, SECRET };
  const inline = await startServer({ ...env, MODE: 'inline' });
  const durable = await startServer({ ...env, MODE: 'durable' });
  const queue = new BullMQQueue({
    name,
    connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
  });
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  try {
    await load(inline, deliveries(500), 200); // warm-up: JIT, script cache, connections
    await load(durable, deliveries(500), 202);
    // Rounds interleaved, best of each: on a shared machine the neighbours only ever add time.
    const best = {
      inline: { perSecond: 0, cpuPerRequest: Infinity },
      durable: { perSecond: 0, cpuPerRequest: Infinity },
    };
    for (let round = 0; round < rounds; round++) {
      for (const [key, server, ok] of [
        ['inline', inline, 200],
        ['durable', durable, 202],
      ] as const) {
        const measured = await load(server, deliveries(count), ok);
        best[key].perSecond = Math.max(best[key].perSecond, measured.perSecond);
        best[key].cpuPerRequest = Math.min(best[key].cpuPerRequest, measured.cpuPerRequest);
      }
    }
    // The worker drains every job the accept path queued, with a no-op handler.
    const queued = (await queue.queue.getJobCounts('waiting')).waiting ?? 0;
    const receiver = createReceiver({
      scheme: github({ secret: SECRET }),
      dedupe: { store: new RedisStore({ client, prefix: `${prefix}worker:` }), ttlMs: 600_000 },
    });
    receiver.onAny(() => {});
    receiver.onError(() => {});
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const worker = createWorker({ receiver, queue, concurrency: 16 });
    while (((await queue.queue.getJobCounts('completed')).completed ?? 0) < Math.min(queued, 10_000)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const drained = Math.min(queued, 10_000);
    await worker.close();
    const round = (value: number) => Math.round(value);
    return [
      {
        path: 'inline: verify, claim, no-op handler, complete, 200',
        'deliveries/s': round(best.inline.perSecond),
        'server CPU µs/request': round(best.inline.cpuPerRequest),
        'vs inline CPU': 1,
      },
      {
        path: 'durable accept: verify, claim, enqueue (BullMQ), 202',
        'deliveries/s': round(best.durable.perSecond),
        'server CPU µs/request': round(best.durable.cpuPerRequest),
        'vs inline CPU': Number((best.durable.cpuPerRequest / best.inline.cpuPerRequest).toFixed(2)),
      },
      {
        path: `worker: ${drained} jobs, no-op handler, concurrency 16`,
        'deliveries/s': round(drained / seconds),
        'server CPU µs/request': round((cpu.user + cpu.system) / drained),
        'vs inline CPU': '-',
      },
    ];
  } finally {
    inline.child.kill();
    durable.child.kill();
    await queue.close();
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    client.disconnect();
    redis.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  console.log(`durable mode (${quick ? 'quick' : 'full'} run, ${CONCURRENCY} in flight)`);
  console.table(await runDurableBench({ quick }));
}

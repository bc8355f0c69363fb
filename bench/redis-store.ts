/**
 * RedisStore vs MemoryStore through `receiver.handle` (standardWebhooks, fresh
 * delivery ids, a no-op handler): deliveries per second at a fixed
 * concurrency, p50/p99 latency one delivery at a time, the latency Redis adds,
 * and Redis round trips per delivery (counted at the client, and checked
 * against the server's INFO commandstats).
 *
 *   pnpm build && pnpm exec tsx bench/redis-store.ts [--quick]
 *
 * Uses a throwaway redis-server on a free port when the binary is installed
 * (so no one else's commands are counted), else Redis on 127.0.0.1:6379.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createReceiver, type DedupeStore, MemoryStore, type ReceiverRequest, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { freePort } from '../test/support/net.js';
import { removeRunKeys } from '../test/support/redis-keys.js';
import { sleep } from '../test/support/time.js';

export interface RedisStoreBenchRow {
  store: string;
  'deliveries/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'added p50 ms': number;
  'added p99 ms': number;
  'round trips/delivery': number | string;
  'server EVALSHA/delivery': number | string;
}

const SECRET = `whsec_${Buffer.from('hookgate-bench-secret-0123456789').toString('base64')}`;
const CONCURRENCY = 64;

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function deliveries(count: number): ReceiverRequest[] {
  return Array.from({ length: count }, () => {
    const id = `msg_${randomUUID()}`;
    const body = JSON.stringify({ type: 'invoice.paid', data: { id, amount: 4200 } });
    return { method: 'POST', url: '/webhooks', headers: signStandardWebhooks({ secret: SECRET, body, id }), body };
  });
}

/** A dedicated redis-server when the binary exists (exact server-side counts), else the shared one. */
export async function benchRedis(): Promise<{ port: number; dedicated: boolean; stop: () => void }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return { port: 6379, dedicated: false, stop: () => {} };
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      await sleep(50);
    }
  }
  probe.disconnect();
  return { port, dedicated: true, stop: () => child.kill('SIGTERM') };
}

/**
 * EVALSHA and EVAL calls the server has served, from INFO commandstats: the
 * store sends nothing else, so this is its round trips as the server saw them
 * (the commands a script runs inside are counted apart, as SET, GET...).
 */
async function serverCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) total += Number(match[1]);
  return total;
}

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  trips: number;
  calls: number | undefined;
}

async function measure(
  store: DedupeStore,
  counter: { trips: number },
  stats: Redis | undefined,
  sizes: { latency: number; throughput: number },
): Promise<Measured> {
  // A short dedupe window: a bench on a shared Redis should not leave keys behind for days.
  const receiver = createReceiver({ scheme: standardWebhooks({ secret: SECRET }), dedupe: { store, ttlMs: 60_000 } });
  receiver.onAny(() => {});
  const check = async (request: ReceiverRequest) => {
    const response = await receiver.handle(request);
    if (response.status !== 200) throw new Error(`bench delivery answered ${response.status}: ${response.body}`);
  };

  for (const request of deliveries(500)) await check(request); // warm-up: JIT, script cache, connections

  // Latency: one at a time, so each figure is one delivery's own path.
  const timings: number[] = [];
  for (const request of deliveries(sizes.latency)) {
    const started = performance.now();
    await check(request);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);

  // Throughput, and round trips per delivery, at CONCURRENCY in flight.
  const batch = deliveries(sizes.throughput);
  counter.trips = 0;
  const callsBefore = stats ? await serverCalls(stats) : 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < batch.length; i = next++) await check(batch[i] as ReceiverRequest);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const calls = stats ? (await serverCalls(stats)) - callsBefore : undefined;
  return {
    perSecond: batch.length / seconds,
    p50: percentile(timings, 50),
    p99: percentile(timings, 99),
    trips: counter.trips / batch.length,
    calls: calls === undefined ? undefined : calls / batch.length,
  };
}

export async function runRedisStoreBench({ quick }: { quick: boolean }): Promise<RedisStoreBenchRow[]> {
  const sizes = quick ? { latency: 1_000, throughput: 3_000 } : { latency: 5_000, throughput: 20_000 };
  const server = await benchRedis();
  const ioredis = new Redis({ port: server.port, host: '127.0.0.1' });
  const nodeRedis = createClient({ url: `redis://127.0.0.1:${server.port}` });
  await nodeRedis.connect();
  const stats = server.dedicated ? new Redis({ port: server.port, host: '127.0.0.1' }) : undefined;
  const prefix = `bench:${randomUUID()}:`;
  try {
    const ioredisCounter = { trips: 0 };
    const nodeRedisCounter = { trips: 0 };
    const variants: { name: string; store: DedupeStore; counter: { trips: number }; redis: boolean }[] = [
      { name: 'MemoryStore', store: new MemoryStore(), counter: { trips: 0 }, redis: false },
      {
        name: 'RedisStore (ioredis)',
        // The same path as { client: ioredis }, with each round trip counted.
        store: new RedisStore({
          prefix,
          sendCommand: ([command, ...args]) => {
            ioredisCounter.trips++;
            return ioredis.call(command ?? '', args);
          },
        }),
        counter: ioredisCounter,
        redis: true,
      },
      {
        name: 'RedisStore (node-redis)',
        store: new RedisStore({
          prefix,
          sendCommand: (args) => {
            nodeRedisCounter.trips++;
            return nodeRedis.sendCommand(args);
          },
        }),
        counter: nodeRedisCounter,
        redis: true,
      },
    ];
    const results: { name: string; result: Measured; redis: boolean }[] = [];
    for (const variant of variants) {
      results.push({
        name: variant.name,
        redis: variant.redis,
        result: await measure(variant.store, variant.counter, variant.redis ? stats : undefined, sizes),
      });
    }
    const memory = results[0]?.result;
    return results.map(({ name, result, redis }) => ({
      store: name,
      'deliveries/s': Math.round(result.perSecond),
      'p50 ms': round(result.p50),
      'p99 ms': round(result.p99),
      'added p50 ms': memory ? round(result.p50 - memory.p50) : Number.NaN,
      'added p99 ms': memory ? round(result.p99 - memory.p99) : Number.NaN,
      'round trips/delivery': redis ? round(result.trips, 2) : '-',
      'server EVALSHA/delivery': redis && result.calls !== undefined ? round(result.calls, 2) : '-',
    }));
  } finally {
    // A dedicated server goes with its keys; on the shared one (no redis-server binary here), the run's keys go.
    if (!server.dedicated) {
      await removeRunKeys((args) => ioredis.call(args[0] ?? '', args.slice(1)), prefix, 'bench/redis-store');
    }
    ioredis.disconnect();
    stats?.disconnect();
    await nodeRedis.close();
    server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const rows = await runRedisStoreBench({ quick });
  console.log(
    `RedisStore vs MemoryStore through receiver.handle (${quick ? 'quick' : 'full'} run, ${CONCURRENCY} in flight for deliveries/s; p50/p99 one at a time)`,
  );
  console.table(rows);
}

/**
 * What ordering costs: the latency it adds when events arrive in order (one
 * cursor read and one compare-and-set per event), and how fast a shuffled
 * burst drains in order. Through `receiver.handle`, MemoryStore and RedisStore.
 *
 *   pnpm build && pnpm exec tsx bench/ordering.ts [--quick]
 *
 * RedisStore runs against Redis on 127.0.0.1:6379 under a prefix of the run's own,
 * whose keys are deleted when it ends, whether it succeeded or not.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  createReceiver,
  type DedupeStore,
  MemoryStore,
  type OrderStore,
  type ReceiverRequest,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { removeRunKeys } from '../test/support/redis-keys.js';

export interface OrderingBenchRow {
  store: string;
  case: string;
  events: number;
  'p50 ms': number | string;
  'p99 ms': number | string;
  'added p50 ms': number | string;
  'events/s': number;
}

const SECRET = `whsec_${Buffer.from('hookgate-ordering-bench-secret').toString('base64')}`;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

function updates(customers: number, perCustomer: number): ReceiverRequest[] {
  const run = randomUUID().slice(0, 8);
  const list: ReceiverRequest[] = [];
  for (let seq = 1; seq <= perCustomer; seq++) {
    for (let c = 0; c < customers; c++) {
      const body = JSON.stringify({ type: 'customer.updated', data: { customer: `${run}-${c}`, seq } });
      list.push({
        method: 'POST',
        headers: signStandardWebhooks({ secret: SECRET, body, id: `m-${run}-${c}-${seq}` }),
        body,
      });
    }
  }
  return list;
}

function receiverFor(store: DedupeStore & OrderStore, ordered: boolean) {
  const receiver = createReceiver({
    scheme: standardWebhooks({ secret: SECRET }),
    dedupe: { store },
    ...(ordered
      ? {
          order: {
            key: (e: unknown) => (e as { data: { customer: string } }).data.customer,
            sequence: (e: unknown) => (e as { data: { seq: number } }).data.seq,
            start: 1,
            holdMs: 30_000,
            maxHeld: 100_000,
            maxHeldPerKey: 10_000,
          },
        }
      : {}),
  });
  receiver.onAny(() => {});
  return receiver;
}

/** One at a time, in order: per-event latency. */
async function sequential(store: DedupeStore & OrderStore, ordered: boolean, events: ReceiverRequest[]) {
  const receiver = receiverFor(store, ordered);
  const times: number[] = [];
  const started = performance.now();
  for (const event of events) {
    const t = performance.now();
    const res = await receiver.handle(event);
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`unexpected ${res.status} ${res.body}`);
  }
  const elapsed = performance.now() - started;
  await receiver.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), perSecond: events.length / (elapsed / 1000) };
}

/** All at once, shuffled: time until every event has run, in order. */
async function drain(store: DedupeStore & OrderStore, events: ReceiverRequest[]) {
  const receiver = receiverFor(store, true);
  const shuffled = [...events];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const started = performance.now();
  const answers = await Promise.all(shuffled.map((event) => receiver.handle(event)));
  const elapsed = performance.now() - started;
  await receiver.close();
  const bad = answers.filter((a) => a.status !== 200);
  if (bad.length > 0) throw new Error(`${bad.length} events were not processed: ${bad[0]?.body}`);
  return { elapsed, perSecond: events.length / (elapsed / 1000) };
}

export async function runOrderingBench({ quick }: { quick: boolean }): Promise<OrderingBenchRow[]> {
  const customers = quick ? 10 : 50;
  const perCustomer = quick ? 20 : 100;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const stores: [string, () => DedupeStore & OrderStore][] = [['MemoryStore', () => new MemoryStore()]];
  // Every store of this run lives under it (each with a prefix of its own below it): removed at the end.
  const runPrefix = `bench:ordering:${randomUUID()}:`;
  let connected = false;
  try {
    await redis.connect();
    connected = true;
    stores.push([
      'RedisStore (ioredis)',
      () => new RedisStore({ client: redis, prefix: `${runPrefix}${randomUUID()}:` }),
    ]);
  } catch {
    // no Redis: MemoryStore rows only
  }
  const rows: OrderingBenchRow[] = [];
  try {
    for (const [name, make] of stores) {
      await sequential(make(), true, updates(customers, Math.ceil(perCustomer / 4))); // warm up
      const events = updates(customers, perCustomer);
      const plain = await sequential(make(), false, updates(customers, perCustomer));
      const inOrder = await sequential(make(), true, events);
      rows.push({
        store: name,
        case: 'unordered (baseline)',
        events: events.length,
        'p50 ms': round(plain.p50),
        'p99 ms': round(plain.p99),
        'added p50 ms': '-',
        'events/s': Math.round(plain.perSecond),
      });
      rows.push({
        store: name,
        case: 'ordered, arriving in order',
        events: events.length,
        'p50 ms': round(inOrder.p50),
        'p99 ms': round(inOrder.p99),
        'added p50 ms': round(inOrder.p50 - plain.p50),
        'events/s': Math.round(inOrder.perSecond),
      });
      const shuffled = await drain(make(), updates(customers, perCustomer));
      rows.push({
        store: name,
        case: `ordered, ${customers} keys shuffled at once: drained in ${Math.round(shuffled.elapsed)} ms`,
        events: events.length,
        'p50 ms': '-',
        'p99 ms': '-',
        'added p50 ms': '-',
        'events/s': Math.round(shuffled.perSecond),
      });
    }
  } finally {
    if (connected) await removeRunKeys((args) => redis.call(args[0] ?? '', args.slice(1)), runPrefix, 'bench/ordering');
    redis.disconnect();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runOrderingBench({ quick: process.argv.includes('--quick') });
  console.table(rows);
}

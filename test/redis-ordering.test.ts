/**
 * Ordering across processes: 3 receiver processes share one RedisStore for
 * dedupe and cursors. A shuffled stream spread over them must reach the
 * handlers in sequence order per key, each event once; a process killed while
 * holding loses nothing, because the sender retries what was never answered.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { signStandardWebhooks } from '@hookgate/core/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { postWebhook } from './support/http.js';
import { type ChildReceiver, killAllChildren, spawnReceiver } from './support/processes.js';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from './support/redis.js';
import { sleep } from './support/time.js';

const SECRET = `whsec_${Buffer.from('hookgate-ordering-secret').toString('base64')}`;
const CHILD = fileURLToPath(new URL('./fixtures/ordered-receiver-process.ts', import.meta.url));
/** Unbounded like fetch's pool: held requests must not queue the ones they wait for behind them. */
const agent = new Agent({ keepAlive: true });

interface Receiver extends ChildReceiver {
  alive: boolean;
}

async function startReceiver(env: Record<string, string>): Promise<Receiver> {
  return { ...(await spawnReceiver(CHILD, env, { name: 'receiver' })), alive: true };
}

function update(customer: string, seq: number) {
  const body = JSON.stringify({ type: 'customer.updated', data: { customer, seq } });
  return { body, headers: signStandardWebhooks({ secret: SECRET, body, id: `msg_${customer}_${seq}` }) };
}

async function post(port: number, delivery: { body: string; headers: Record<string, string> }): Promise<number> {
  return (await postWebhook(port, delivery, { agent, timeoutMs: 20_000 })).status;
}

describeWithRedis('ordering across 3 processes sharing Redis', () => {
  let records: Redis;
  let receivers: Receiver[] = [];
  const recordPrefix = `test:ordering:${randomUUID()}:`;
  const storePrefix = `test:${randomUUID()}:`;

  beforeAll(async () => {
    records = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    const env = {
      REDIS_PORT: String(REDIS_PORT),
      RECORD_PREFIX: recordPrefix,
      STORE_PREFIX: storePrefix,
      LEASE_MS: '3000',
      HOLD_MS: '2000',
      SECRET,
    };
    receivers = await Promise.all([0, 1, 2].map(() => startReceiver(env)));
  }, 60_000);

  afterAll(async () => {
    killAllChildren();
    agent.destroy();
    const keys = [...(await records.keys(`${recordPrefix}*`)), ...(await records.keys(`${storePrefix}*`))];
    if (keys.length > 0) await records.del(...keys);
    await records.quit();
  });

  const seen = async (customer: string) => (await records.lrange(`${recordPrefix}seen:${customer}`, 0, -1)).map(Number);

  /** Like a sender: retry anything not answered 200, with a short bounded backoff, on any live process. */
  async function deliver(customer: string, seq: number, first: number): Promise<void> {
    for (let attempt = 0; attempt < 60; attempt++) {
      const live = receivers.filter((r) => r.alive);
      const target = live[(first + attempt) % live.length];
      if (!target) throw new Error('no receiver alive');
      const status = await post(target.port, update(customer, seq));
      if (status === 200) return;
      if (![0, 409, 500, 503].includes(status)) throw new Error(`unexpected status ${status}`);
      await sleep(Math.min(400, 25 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random()));
    }
    throw new Error(`${customer}/${seq} was never accepted`);
  }

  test('10 keys × 1..20, shuffled and spread over 3 processes: each key runs 1..20 in order, once each', async () => {
    const deliveries = Array.from({ length: 10 }, (_, k) =>
      Array.from({ length: 20 }, (_, s) => [`cust${k}`, s + 1] as const),
    ).flat();
    const [shuffled] = fc.sample(fc.shuffledSubarray(deliveries, { minLength: deliveries.length }), {
      numRuns: 1,
      seed: 7,
    });
    await Promise.all(shuffled!.map(([customer, seq], i) => deliver(customer, seq, i % 3)));
    for (let k = 0; k < 10; k++) {
      expect(await seen(`cust${k}`)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
  }, 120_000);

  test('a process killed while holding loses nothing: the retry completes the sequence', async () => {
    const victim = receivers[2]!;
    // seq 2 and 3 go to the victim first, where they wait for seq 1.
    const waiting = [2, 3].map(async (seq) => {
      const status = await post(victim.port, update('killed', seq));
      expect(status).toBe(0); // never answered: the process died holding it
      await deliver('killed', seq, 0); // the sender's retry, to a live process
    });
    const holding = await new Promise<number>((resolve) => {
      const ask = () => victim.child.send({ type: 'held' });
      victim.child.on('message', (message: { type?: string; held?: number }) => {
        if (message.type !== 'held') return;
        if ((message.held ?? 0) >= 2) resolve(message.held ?? 0);
        else setTimeout(ask, 20);
      });
      ask();
    });
    expect(holding).toBe(2);
    victim.alive = false;
    victim.child.kill('SIGKILL');
    await deliver('killed', 1, 0);
    await Promise.all(waiting);
    expect(await seen('killed')).toEqual([1, 2, 3]);
  }, 60_000);
});

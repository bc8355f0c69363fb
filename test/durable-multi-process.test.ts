/**
 * The durable-mode proof: 3 web processes answer 202 once a verified delivery
 * is on the BullMQ queue; 2 worker processes run the handlers. The sender
 * behaves like GitHub: every delivery is sent once and never retried, and
 * 10 % are sent twice at the same time to different web processes. 10 % of
 * handlers throw on their first attempt; 1 % of events are strictly ordered and
 * sent shuffled; one worker is SIGKILLed holding jobs and a new one started.
 * Every delivery's effect must happen exactly once, in order per key, with the
 * dead-letter state empty. A second run breaks one event type's handler: its
 * jobs are dead-lettered after N attempts, and once fixed, redrive runs each once.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BullMQQueue } from '@hookgate/bullmq';
import { signGitHub } from '@hookgate/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { keepAliveAgent, postWebhook } from './support/http.js';
import { killAllChildren, spawnReceiver } from './support/processes.js';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from './support/redis.js';
import { sleep } from './support/time.js';

const DELIVERIES = 3_000;
const TWICE_EVERY = 10; // 10 % sent twice, concurrently, to two web processes
const FAIL_FIRST_EVERY = 10; // 10 % of handlers throw on their first attempt
const ORDERED_KEYS = 6;
const ORDERED_PER_KEY = 5; // 30 ordered events: 1 %
const ATTEMPTS = 3;
const FAILING_TYPE = 'deployment.created';
const SECRET = 'hookgate-durable-proof-secret';
const CONCURRENT = 48;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const start = (file: string, env: Record<string, string>) =>
  spawnReceiver(fixture(file), env, { name: file, timeoutMs: 30_000 });

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describeWithRedis('durable mode across 3 web and 2 worker processes', () => {
  const run = randomUUID();
  const env = {
    REDIS_PORT: String(REDIS_PORT),
    QUEUE_NAME: `proof-${run}`,
    QUEUE_PREFIX: `hg-proof-${run}`,
    STORE_PREFIX: `test:durable-proof:${run}:store:`,
    RECORD_PREFIX: `test:durable-proof:${run}:records:`,
    SECRET,
    ATTEMPTS: String(ATTEMPTS),
    FAILING_TYPE,
  };
  const records = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  const queue = new BullMQQueue({
    name: env.QUEUE_NAME,
    prefix: env.QUEUE_PREFIX,
    connection: { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null },
  });
  let webs: { port: number }[] = [];
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    webs = await Promise.all([0, 1, 2].map(() => start('durable-web-process.ts', env)));
    for (const worker of await Promise.all([0, 1].map(() => start('durable-worker-process.ts', env)))) {
      workers.push(worker.child);
    }
  }, 90_000);

  afterAll(async () => {
    killAllChildren();
    keepAliveAgent.destroy();
    await queue.close();
    for (const pattern of [`${env.QUEUE_PREFIX}:*`, `test:durable-proof:${run}:*`]) {
      const keys = await records.keys(pattern);
      if (keys.length > 0) await records.del(...keys);
    }
    await records.quit();
  });

  /** Sends each delivery once (a few twice, at once, to two web processes); never retries, like GitHub. */
  async function send(deliveries: { id: string; event: string; body: string; twice: boolean }[]) {
    const answers = new Map<string, number[]>();
    let next = 0;
    const lane = async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next] as (typeof deliveries)[number];
        const target = next++ % webs.length;
        const headers = signGitHub({
          secret: SECRET,
          body: delivery.body,
          delivery: delivery.id,
          event: delivery.event,
        });
        const copies = delivery.twice ? [target, (target + 1) % webs.length] : [target];
        const statuses = await Promise.all(
          copies.map(
            async (web) =>
              (await postWebhook((webs[web] as { port: number }).port, { body: delivery.body, headers })).status,
          ),
        );
        answers.set(delivery.id, statuses);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, lane));
    return answers;
  }

  async function settled(check: () => Promise<boolean>, what: string, ms = 60_000) {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const counts = await queue.queue.getJobCounts();
        throw new Error(`timed out waiting until ${what}; jobs: ${JSON.stringify(counts)}`);
      }
      await sleep(100);
    }
  }

  const pending = async () => {
    const counts = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  test('3,000 deliveries, 10 % twice, 10 % failing first, 1 % ordered, a worker killed: each effect exactly once', async () => {
    const started = performance.now();
    const ordered = shuffle(
      Array.from({ length: ORDERED_KEYS * ORDERED_PER_KEY }, (_, i) => ({
        key: `repo-${i % ORDERED_KEYS}`,
        seq: Math.floor(i / ORDERED_KEYS) + 1,
      })),
    );
    const orderedEvery = DELIVERIES / ordered.length;
    const deliveries = Array.from({ length: DELIVERIES }, (_, n) => {
      const order = n % orderedEvery === 0 ? ordered.shift() : undefined;
      const payload = {
        action: 'opened',
        n,
        failFirst: n % FAIL_FIRST_EVERY === 3,
        delayMs: 5 + (n % 20),
        ...(order ? { order } : {}),
      };
      return { id: randomUUID(), event: 'issues', body: JSON.stringify(payload), twice: n % TWICE_EVERY === 7 };
    });
    expect(ordered).toHaveLength(0);

    // Kill a worker holding jobs once a third of the deliveries are out, then start a new one.
    let heldAtKill = -1;
    const killing = (async () => {
      await settled(async () => (await records.hlen(`${env.RECORD_PREFIX}effects`)) >= DELIVERIES / 3, 'a third ran');
      const victim = workers[0] as ChildProcess;
      const frozen = new Promise<number>((resolve) =>
        victim.on('message', (message: { type?: string; held?: number }) => {
          if (message.type === 'frozen') resolve(message.held ?? 0);
        }),
      );
      victim.send({ type: 'freeze' });
      heldAtKill = await frozen;
      const exited = new Promise((resolve) => victim.once('exit', resolve));
      victim.kill('SIGKILL');
      await exited;
      workers[0] = (await start('durable-worker-process.ts', env)).child;
    })();

    const answers = await send(deliveries);
    await killing;

    // Every delivery was taken by a web process at once: GitHub would not have sent it again.
    const statuses = new Map<number, number>();
    for (const [id, list] of answers) {
      for (const status of list) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(
        list.filter((status) => status === 202),
        `delivery ${id}: ${list.join(',')}`,
      ).toHaveLength(1);
      for (const status of list) expect([200, 202, 409]).toContain(status);
    }

    await settled(async () => (await records.hlen(`${env.RECORD_PREFIX}effects`)) >= DELIVERIES, 'every effect');
    await settled(async () => (await pending()) === 0, 'the queue is drained');
    const effects = await records.hgetall(`${env.RECORD_PREFIX}effects`);
    const counts = Object.values(effects).map(Number);
    expect(Object.keys(effects)).toHaveLength(DELIVERIES);
    expect(counts.filter((count) => count !== 1)).toEqual([]);
    for (let key = 0; key < ORDERED_KEYS; key++) {
      const order = await records.lrange(`${env.RECORD_PREFIX}order:repo-${key}`, 0, -1);
      expect(order).toEqual(['1', '2', '3', '4', '5']);
    }
    expect(await queue.deadLetters()).toEqual([]);
    expect(heldAtKill).toBeGreaterThan(0);
    const attempts = Object.values(await records.hgetall(`${env.RECORD_PREFIX}attempts`)).map(Number);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(
      `durable proof: ${DELIVERIES} deliveries, ${DELIVERIES / TWICE_EVERY} sent twice, ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}, ${DELIVERIES / FAIL_FIRST_EVERY} failing first, ` +
        `${ORDERED_KEYS * ORDERED_PER_KEY} ordered, worker killed holding ${heldAtKill} jobs; ` +
        `${counts.length} effects, each once; ${attempts.reduce((a, b) => a + b, 0)} handler runs; ${seconds} s`,
    );
  }, 120_000);

  test('a broken handler: its jobs are dead-lettered after N attempts; fixed and redriven, each runs once', async () => {
    const deliveries = Array.from({ length: 200 }, (_, n) => {
      const broken = n % 10 === 0;
      const payload = { action: broken ? 'created' : 'opened', n, failFirst: false, delayMs: 2 };
      return { id: randomUUID(), event: broken ? 'deployment' : 'issues', body: JSON.stringify(payload), twice: false };
    });
    const brokenIds = new Set(deliveries.filter((d) => d.event === 'deployment').map((d) => d.id));
    const answers = await send(deliveries);
    for (const list of answers.values()) expect(list).toEqual([202]);

    let letters = await queue.deadLetters({ limit: 1_000 });
    await settled(
      async () => {
        letters = await queue.deadLetters({ limit: 1_000 });
        return letters.length === brokenIds.size && (await pending()) === 0;
      },
      'the broken jobs are dead-lettered',
      40_000,
    );
    for (const letter of letters) {
      expect(letter.attempts).toBe(ATTEMPTS);
      expect(letter.type).toBe(FAILING_TYPE);
      expect(letter.failure).toEqual({ code: 'handler_failed', message: 'The event handler failed (Error)' });
    }
    const attemptsOf = async (id: string) => Number(await records.hget(`${env.RECORD_PREFIX}attempts`, id));
    for (const id of brokenIds) expect(await attemptsOf(id)).toBe(ATTEMPTS);
    for (const id of brokenIds) expect(await records.hget(`${env.RECORD_PREFIX}effects`, id)).toBeNull();

    await records.set(`${env.RECORD_PREFIX}fixed`, '1');
    expect(await queue.redrive()).toBe(brokenIds.size);
    await settled(async () => (await queue.deadLetters()).length === 0 && (await pending()) === 0, 'redriven');
    await settled(async () => (await records.hlen(`${env.RECORD_PREFIX}effects`)) >= DELIVERIES + 200, 'all effects');
    for (const id of brokenIds) {
      expect(await records.hget(`${env.RECORD_PREFIX}effects`, id)).toBe('1');
      expect(await attemptsOf(id)).toBe(ATTEMPTS + 1);
    }
    const effects = Object.values(await records.hgetall(`${env.RECORD_PREFIX}effects`)).map(Number);
    expect(effects.filter((count) => count !== 1)).toEqual([]);
  }, 60_000);
});

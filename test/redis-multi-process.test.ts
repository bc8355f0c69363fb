/**
 * The multi-process proof: 4 receiver processes share one RedisStore; every
 * delivery is sent 3 times at once to different processes; 10 % of handlers
 * fail on their first attempt; one process is SIGKILLed while it holds
 * claims; the store's Redis is stopped for a few seconds. The sender retries
 * like a real one. Every delivery must be processed successfully exactly once.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { keepAliveAgent, postWebhook } from './support/http.js';
import { type ChildReceiver, killAllChildren, spawnReceiver } from './support/processes.js';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  startThrowawayRedis,
  type ThrowawayRedis,
} from './support/redis.js';
import { sleep } from './support/time.js';

const DELIVERIES = 5_000;
const COPIES = 3;
const PROCESSES = 4;
const FAIL_FIRST_EVERY = 10; // 10 % of handlers fail on their first attempt
const LEASE_MS = 8_000; // longer than the outage, so a complete queued during it still finds its claim
const OUTAGE_MS = 3_000;
const CONCURRENT_DELIVERIES = 48;
const MAX_ATTEMPTS = 100;
const SECRET = `whsec_${Buffer.from('hookgate-multi-process-secret').toString('base64')}`;
const CHILD = fileURLToPath(new URL('./fixtures/redis-receiver-process.ts', import.meta.url));

interface Receiver extends ChildReceiver {
  index: number;
  alive: boolean;
}

async function startReceiver(index: number, env: Record<string, string>): Promise<Receiver> {
  return { index, ...(await spawnReceiver(CHILD, env, { name: `receiver ${index}` })), alive: true };
}

describeWithRedis(
  'RedisStore across 4 receiver processes',
  () => {
    let storeRedis: ThrowawayRedis;
    let records: Redis;
    let receivers: Receiver[] = [];
    const recordPrefix = `test:multi-process:${randomUUID()}:`;

    beforeAll(async () => {
      // The store's Redis is our own, so stopping it disturbs no one; it keeps an
      // append-only file, as a production Redis would, so a restart forgets nothing.
      storeRedis = await startThrowawayRedis({ persistent: true });
      records = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
      const env = {
        STORE_REDIS_PORT: String(storeRedis.port),
        RECORD_REDIS_PORT: String(REDIS_PORT),
        RECORD_PREFIX: recordPrefix,
        STORE_PREFIX: `test:${randomUUID()}:`,
        LEASE_MS: String(LEASE_MS),
        SECRET,
      };
      receivers = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => startReceiver(i, env)));
    }, 60_000);

    afterAll(async () => {
      killAllChildren();
      keepAliveAgent.destroy();
      await records?.del(`${recordPrefix}attempts`, `${recordPrefix}processed`);
      await records?.quit();
      await storeRedis?.dispose();
    });

    test('5,000 deliveries × 3 copies, 10 % failing first, one process killed, Redis stopped: each processed once', async () => {
      const statuses = new Map<number, number>();
      const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const failedFirst = new Set<string>(); // deliveries that got a 500
      let processedAnswers = 0;
      let exhausted = 0;
      const outage = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
      const during = { unavailable: 0, ids: new Set<string>() };
      let heldAtKill = -1;
      const background: Promise<void>[] = [];

      const alive = () => receivers.filter((r) => r.alive);

      /** One copy of a delivery, sent until it is answered 200, as a sender would. */
      const sendCopy = async (id: string, body: string, firstReceiver: number) => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const candidates = alive();
          const target = candidates[(firstReceiver + attempt) % candidates.length];
          if (!target) throw new Error('no receiver alive');
          const answer = await postWebhook(target.port, {
            body,
            headers: signStandardWebhooks({ secret: SECRET, body, id }),
          });
          count(answer.status);
          if (answer.status === 200) {
            if (answer.body === '{"status":"processed"}') processedAnswers++;
            return;
          }
          if (answer.status === 500) failedFirst.add(id);
          if (answer.status === 503) {
            const now = Date.now();
            if (now >= outage.start && now <= outage.end + 2_000) {
              during.unavailable++;
              during.ids.add(id);
            }
          }
          if (![0, 409, 500, 503].includes(answer.status)) {
            throw new Error(`unexpected status ${answer.status}: ${answer.body}`);
          }
          // Short exponential backoff with jitter, capped: like a sender's first retries, sped up.
          await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
        }
        exhausted++;
      };

      const killOne = async () => {
        const victim = receivers[1];
        if (!victim) return;
        const frozen = new Promise<number>((resolve) =>
          victim.child.on('message', (message: { type?: string; held?: number }) => {
            if (message.type === 'frozen') resolve(message.held ?? 0);
          }),
        );
        // Kill it while it holds claims (handlers stopped before their side effects), but not
        // between a handler's side effect and its complete: a death there leaves a claim that
        // expires and a retry that runs the handler again, the at-least-once window no store can
        // close (packages/redis/README.md, "What once means here").
        victim.child.send({ type: 'freeze' });
        heldAtKill = await frozen;
        const exited = new Promise((resolve) => victim.child.once('exit', resolve));
        victim.child.kill('SIGKILL');
        await exited;
        victim.alive = false; // the load balancer notices
      };

      const stopRedis = async () => {
        outage.start = Date.now();
        await storeRedis.stop();
        await sleep(OUTAGE_MS);
        await storeRedis.start();
        outage.end = Date.now();
      };

      let next = 0;
      const worker = async () => {
        for (;;) {
          const n = next++;
          if (n >= DELIVERIES) return;
          if (n === Math.floor(DELIVERIES / 3)) background.push(killOne());
          if (n === Math.floor((DELIVERIES * 2) / 3)) background.push(stopRedis());
          const id = `msg_${recordPrefix.slice(-8)}_${n}`;
          const body = JSON.stringify({
            type: 'test.event',
            data: { n, failFirst: n % FAIL_FIRST_EVERY === 0, delayMs: n % 7 },
          });
          await Promise.all(Array.from({ length: COPIES }, (_, copy) => sendCopy(id, body, n + copy)));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_DELIVERIES }, worker));
      await Promise.all(background);

      const processed = await records.hgetall(`${recordPrefix}processed`);
      const counts = Object.values(processed).map(Number);
      const twice = Object.entries(processed).filter(([, times]) => Number(times) !== 1);
      const summary = { statuses: Object.fromEntries(statuses), heldAtKill, during, exhausted, processedAnswers };

      if (process.env.HOOKGATE_PRINT_SUMMARY)
        console.log(
          JSON.stringify(summary.statuses),
          summary.heldAtKill,
          summary.during.unavailable,
          summary.during.ids.size,
        );
      expect(exhausted, JSON.stringify(summary)).toBe(0);
      // Every delivery processed, none twice, nothing else.
      expect(counts.length).toBe(DELIVERIES);
      expect(twice).toEqual([]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(DELIVERIES);
      expect(processedAnswers).toBe(DELIVERIES);
      // Every copy was finally answered 200 (processed or duplicate).
      expect(statuses.get(200)).toBe(DELIVERIES * COPIES);
      // The planned failures happened, and their retries succeeded.
      expect(failedFirst.size).toBe(DELIVERIES / FAIL_FIRST_EVERY);
      // Copies raced each other: some were told the delivery was in flight.
      expect(statuses.get(409) ?? 0).toBeGreaterThan(0);
      // The killed process held claims; they expired and their deliveries were processed elsewhere.
      expect(heldAtKill).toBeGreaterThan(0);
      // While Redis was down, deliveries were answered 503 and then succeeded on retry.
      expect(during.unavailable).toBeGreaterThan(0);
      for (const id of during.ids) expect(processed[id]).toBe('1');
    }, 150_000);
  },
  { needsBinary: true },
);

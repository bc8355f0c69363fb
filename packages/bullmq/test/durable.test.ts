/**
 * Durable mode end to end in one process, on real Redis: the accept path
 * (202, duplicates, handshakes, a queue that is down), the worker (retries,
 * dead letters, envelopes it cannot read, a Redis outage under it).
 */
import { randomUUID } from 'node:crypto';
import { BullMQQueue } from '@hookgate/bullmq';
import {
  createReceiver,
  createWorker,
  type EnvelopeJSON,
  github,
  type HookgateError,
  type Receiver,
  slack,
  stripe,
} from '@hookgate/core';
import { sampleEnvelope, signGitHub, signSlack } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  startThrowawayRedis,
  type ThrowawayRedis,
} from '../../../test/support/redis.js';
import { sleep } from '../../../test/support/time.js';
import { main as cli } from '../src/cli.js';

const SECRET = 'durable-test-secret';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describeWithRedis(
  'durable mode on BullMQ',
  () => {
    const run = randomUUID();
    const prefix = `hg-durable-test-${run}`;
    let redis: Redis;
    const closers: (() => Promise<unknown>)[] = [];
    const connection = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null };

    beforeAll(() => {
      redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    });
    afterAll(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      for (const pattern of [`${prefix}:*`, `test:durable:${run}:*`]) {
        const keys = await redis.keys(pattern);
        if (keys.length > 0) await redis.del(...keys);
      }
      await redis.quit();
    });

    /** A queue, a store, and a GitHub receiver over them, all under fresh names. */
    function setup(options: { queue?: BullMQQueue } = {}) {
      const name = `q-${randomUUID()}`;
      const queue = options.queue ?? new BullMQQueue({ name, prefix, connection });
      const store = new RedisStore({ client: redis, prefix: `test:durable:${run}:${name}:` });
      const make = (sink: BullMQQueue | undefined) =>
        createReceiver({ scheme: github({ secret: SECRET }), dedupe: { store }, ...(sink ? { queue: sink } : {}) });
      const web = make(queue);
      const errors: HookgateError[] = [];
      web.onError((error) => errors.push(error));
      closers.push(() => queue.close());
      return { name, queue, store, web, make, errors };
    }

    const delivery = (payload: object, event = 'issues', id: string = randomUUID()) => {
      const body = JSON.stringify(payload);
      return {
        id,
        request: { method: 'POST', headers: signGitHub({ secret: SECRET, body, delivery: id, event }), body },
      };
    };

    test('202 queued once on the queue; copies are 200 duplicate, while queued and once processed', async () => {
      const { name, web, make } = setup();
      const { request } = delivery({ action: 'opened', n: 1 });
      const first = await web.handle(request);
      expect(first.status).toBe(202);
      expect(JSON.parse(first.body)).toEqual({ status: 'queued' });
      const copy = await web.handle(request);
      expect([copy.status, JSON.parse(copy.body)]).toEqual([200, { status: 'duplicate' }]);

      const consumer = new BullMQQueue({ name, prefix, connection });
      closers.push(() => consumer.close());
      const workerReceiver = make(undefined);
      const seen: unknown[] = [];
      workerReceiver.on('issues.opened', (event, ctx) => {
        seen.push({ event, replay: ctx.replay, key: ctx.dedupeKey });
      });
      const worker = createWorker({ receiver: workerReceiver, queue: consumer });
      await until('the handler ran', () => seen.length === 1);
      expect(seen[0]).toMatchObject({ event: { action: 'opened', n: 1 }, replay: false });
      const late = await web.handle(request);
      expect([late.status, JSON.parse(late.body)]).toEqual([200, { status: 'duplicate' }]);
      await sleep(200);
      expect(seen).toHaveLength(1);
      await worker.close();
    });

    test("Slack's url_verification is answered inline and never queued", async () => {
      const name = `q-${randomUUID()}`;
      const queue = new BullMQQueue({ name, prefix, connection });
      closers.push(() => queue.close());
      const receiver = createReceiver({ scheme: slack({ secret: SECRET }), queue });
      const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
      const answer = await receiver.handle({ method: 'POST', headers: signSlack({ secret: SECRET, body }), body });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('abc123');
      const counts = await queue.queue.getJobCounts();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    });

    test('a queue that is down: 503 + Retry-After, the claim released, nothing queued', async () => {
      const down = await startThrowawayRedis();
      await down.stop();
      const name = `q-${randomUUID()}`;
      const deadQueue = new BullMQQueue({
        name,
        connection: { host: REDIS_HOST, port: down.port, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
      });
      const { web: working, store, queue } = setup();
      const broken = createReceiver({
        scheme: github({ secret: SECRET }),
        dedupe: { store },
        queue: deadQueue,
        enqueueTimeoutMs: 500,
      });
      const errors: HookgateError[] = [];
      broken.onError((error) => errors.push(error));
      const { request } = delivery({ action: 'opened' });
      const answer = await broken.handle(request);
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(JSON.parse(answer.body).error.code).toBe('queue_unavailable');
      expect(errors.map((error) => error.code)).toContain('queue_unavailable');
      // Released: the sender's retry, reaching a process whose queue works, is queued (not a duplicate, not 409).
      const retry = await working.handle(request);
      expect(retry.status).toBe(202);
      const counts = await queue.queue.getJobCounts('waiting');
      expect(counts.waiting).toBe(1);
      deadQueue.queue.disconnect().catch(() => undefined);
      await down.dispose();
    });

    test('a queue that hangs: 503 after enqueueTimeoutMs, the claim released', async () => {
      const frozen = await startThrowawayRedis();
      frozen.freeze();
      const hanging = new BullMQQueue({
        name: `q-${randomUUID()}`,
        connection: { host: REDIS_HOST, port: frozen.port, maxRetriesPerRequest: 1, connectTimeout: 60_000 },
      });
      const { store, web: working } = setup();
      const receiver = createReceiver({
        scheme: github({ secret: SECRET }),
        dedupe: { store },
        queue: hanging,
        enqueueTimeoutMs: 300,
      });
      const { request } = delivery({ action: 'opened' });
      const started = performance.now();
      const answer = await receiver.handle(request);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body).error.message).toContain('timed out');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect((await working.handle(request)).status).toBe(202);
      frozen.thaw();
      hanging.queue.disconnect().catch(() => undefined);
      await frozen.dispose();
    });

    test('an envelope that does not parse or has an unknown version is dead-lettered with its reason; the worker goes on', async () => {
      const { name, queue, make } = setup();
      const good = sampleEnvelope({ type: 'x', action: 'ok' }, { dedupeKey: `k-${randomUUID()}`, type: 'x' });
      await queue.enqueue({ key: 'bad-version', envelope: { ...good, v: 99 } as unknown as EnvelopeJSON });
      await queue.enqueue({ key: 'not-an-envelope', envelope: 'garbage' as unknown as EnvelopeJSON });
      await queue.enqueue({ key: good.dedupeKey, envelope: good });
      const consumer = new BullMQQueue({ name, prefix, connection });
      closers.push(() => consumer.close());
      const receiver = make(undefined);
      const errors: HookgateError[] = [];
      receiver.onError((error) => errors.push(error));
      let ran = 0;
      receiver.onAny(() => {
        ran++;
      });
      const worker = createWorker({ receiver, queue: consumer });
      await until(
        'two dead letters and the good job',
        async () => (await worker.deadLetters()).length === 2 && ran === 1,
      );
      const letters = await worker.deadLetters();
      expect(letters.map((letter) => letter.failure.code)).toEqual(['invalid_envelope', 'invalid_envelope']);
      const messages = letters.map((letter) => letter.failure.message).sort();
      expect(messages).toEqual(['Not a hookgate envelope: not JSON', 'Not a hookgate envelope: unknown version 99']);
      expect(letters.every((letter) => letter.attempts <= 1)).toBe(true);
      expect(errors.filter((error) => error.code === 'invalid_envelope')).toHaveLength(2);
      await worker.close();
    });

    test('a handler that always fails is dead-lettered after the attempts, with its code and message only', async () => {
      const { name, web, make } = setup();
      const { request } = delivery({ action: 'opened', secretNumber: 'payload-must-not-leak-4242' });
      expect((await web.handle(request)).status).toBe(202);
      const consumer = new BullMQQueue({ name, prefix, connection });
      closers.push(() => consumer.close());
      const receiver = make(undefined);
      receiver.onError(() => {});
      const runs: number[] = [];
      receiver.onAny((event) => {
        runs.push(Date.now());
        throw new TypeError(`cannot use ${JSON.stringify(event)}`);
      });
      const worker = createWorker({ receiver, queue: consumer, attempts: 4, backoff: { baseMs: 40, maxMs: 200 } });
      await until('dead-lettered', async () => (await worker.deadLetters()).length === 1);
      const [letter] = await worker.deadLetters();
      expect(runs).toHaveLength(4);
      expect(letter).toMatchObject({
        attempts: 4,
        type: 'issues.opened',
        failure: { code: 'handler_failed', message: 'The event handler failed (TypeError)' },
      });
      // Backoff: each retry waited at least half its step (equal jitter): 20, 40, 80 ms.
      const gaps = runs.slice(1).map((at, i) => at - (runs[i] as number));
      expect(gaps.every((gap, i) => gap >= 20 * 2 ** i - 5)).toBe(true);
      const job = await consumer.queue.getJob(letter?.id ?? '');
      expect(JSON.stringify([job?.failedReason, job?.stacktrace])).not.toContain('4242');
      await worker.close();
    });

    test('the hookgate-bullmq command lists dead letters and redrives them', async () => {
      const { name, queue } = setup();
      await queue.enqueue({ key: 'cli-bad', envelope: { v: 0 } as unknown as EnvelopeJSON });
      const consumer = new BullMQQueue({ name, prefix, connection });
      closers.push(() => consumer.close());
      const receiver = createReceiver({ scheme: github({ secret: SECRET }) });
      receiver.onError(() => {});
      const worker = createWorker({ receiver, queue: consumer });
      await until('dead-lettered', async () => (await worker.deadLetters()).length === 1);
      await worker.close();
      const lines: string[] = [];
      const args = ['--queue', name, '--prefix', prefix, '--redis', `redis://${REDIS_HOST}:${REDIS_PORT}`];
      expect(await cli(['dead-letters', ...args], (line) => lines.push(line))).toBe(0);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({
        failure: { code: 'invalid_envelope', message: 'Not a hookgate envelope: unknown version 0' },
      });
      expect(await cli(['redrive', ...args], (line) => lines.push(line))).toBe(0);
      expect(lines[1]).toBe('redriven: 1');
      expect((await queue.queue.getJobCounts('waiting')).waiting).toBe(1);
      expect(await cli(['nonsense'], (line) => lines.push(line))).toBe(2);
    });

    test('Redis going away under a worker: jobs wait, then run once when it is back', async () => {
      const server: ThrowawayRedis = await startThrowawayRedis({ persistent: true });
      closers.push(() => server.dispose());
      const name = `q-${randomUUID()}`;
      const workerConnection = {
        host: REDIS_HOST,
        port: server.port,
        maxRetriesPerRequest: null,
        retryStrategy: () => 100,
      };
      const producer = new BullMQQueue({ name, connection: workerConnection });
      const consumer = new BullMQQueue({
        name,
        connection: workerConnection,
        stalledIntervalMs: 1_000,
        lockDurationMs: 2_000,
      });
      closers.push(
        () => producer.close(),
        () => consumer.close(),
      );
      const storeClient = new Redis(workerConnection);
      storeClient.on('error', () => {});
      closers.push(async () => storeClient.disconnect());
      const store = new RedisStore({ client: storeClient, prefix: 'outage:' });
      const receiver: Receiver = createReceiver({ scheme: github({ secret: SECRET }), dedupe: { store } });
      receiver.onError(() => {});
      const counts = new Map<string, number>();
      receiver.onAny(async (event) => {
        const n = String((event as { n: number }).n);
        await sleep(5);
        counts.set(n, (counts.get(n) ?? 0) + 1);
      });
      const worker = createWorker({ receiver, queue: consumer, wait: { baseMs: 50, maxMs: 500 } });
      const enqueue = (from: number, to: number) =>
        Promise.all(
          Array.from({ length: to - from }, (_, i) => {
            const envelope = sampleEnvelope({ n: from + i }, { dedupeKey: `d-${from + i}`, type: 't' });
            return producer.enqueue({ key: envelope.dedupeKey, envelope });
          }),
        );
      await enqueue(0, 50);
      await until('the first jobs ran', () => counts.size === 50);
      await server.stop();
      await sleep(1_000);
      await server.start();
      await enqueue(50, 100);
      await until('every job ran after the outage', () => counts.size === 100, 30_000);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      expect(await worker.deadLetters()).toEqual([]);
      await worker.close();
    }, 60_000);

    test('a sender that never redelivers, received inline, is warned about once at start-up; durable mode is not', async () => {
      const heard: HookgateError[] = [];
      createReceiver({ scheme: github({ secret: SECRET }) }).onError((error) => heard.push(error));
      expect(heard).toHaveLength(1);
      expect(heard[0]?.code).toBe('invalid_configuration');
      expect(heard[0]?.message).toContain('does not redeliver');
      const { queue } = setup();
      const quiet: HookgateError[] = [];
      createReceiver({ scheme: github({ secret: SECRET }), queue }).onError((error) => quiet.push(error));
      createReceiver({ scheme: stripe({ secret: 'whsec_x' }) }).onError((error) => quiet.push(error));
      expect(quiet).toEqual([]);
    });
  },
  { needsBinary: true },
);

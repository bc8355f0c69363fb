import { randomUUID } from 'node:crypto';
import { ENVELOPE_VERSION, type Envelope, type EnvelopeJSON, envelopeToJSON } from '../envelope.js';
import type { JobVerdict, QueuedJob, QueueSink, QueueSource } from '../queue/port.js';
import { createWorker } from '../queue/worker.js';
import { createReceiver } from '../receiver.js';
import { token } from '../schemes/token.js';
import { MemoryStore } from '../stores/memory-store.js';
import { sleep } from './sleep.js';
import type { ConformanceTest } from './store-conformance.js';

/** Makes a queue adapter for `name`; two calls with the same name must reach the same queue. */
export type MakeQueue = (options: { name: string }) => (QueueSink & QueueSource) | Promise<QueueSink & QueueSource>;

export interface QueueConformanceOptions {
  /** Largest delay the retry and wait tests ask for, in ms; raise it for a coarse engine. Default 300. */
  delayMs?: number;
  /** How long a test waits for jobs to run, in ms. Default 10,000. */
  patienceMs?: number;
}

class ConformanceError extends Error {
  override readonly name = 'QueueConformanceError';
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

/** JSON with object keys sorted: an engine may store JSON with its keys in another order (PostgreSQL's jsonb). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : entry,
  );
}

/** An envelope as the accept stage makes it, with a payload of our choosing. */
export function sampleEnvelope(
  payload: Record<string, unknown>,
  fields: Partial<Pick<Envelope, 'dedupeKey' | 'type' | 'id'>> = {},
): EnvelopeJSON {
  const body = Buffer.from(JSON.stringify(payload));
  return envelopeToJSON({
    version: ENVELOPE_VERSION,
    scheme: 'token',
    id: fields.id,
    type: fields.type ?? (typeof payload.type === 'string' ? payload.type : undefined),
    timestamp: undefined,
    receivedAt: Date.now(),
    body,
    payload,
    headers: { 'content-type': 'application/json' },
    dedupeKey: fields.dedupeKey,
    orderingKey: undefined,
    sequence: undefined,
    retryNum: undefined,
    retryReason: undefined,
    secretLabel: undefined,
    rejection: undefined,
    trace: undefined,
  });
}

/**
 * The queue contract of durable mode, as tests. Any adapter (BullMQ, RabbitMQ,
 * NATS JetStream, SQS…) that passes these keeps hookgate's store-then-answer promise.
 *
 *   import { test } from 'vitest';
 *   runQueueConformance(test, ({ name }) => new MyQueue({ name, ... }));
 */
export function runQueueConformance(
  test: ConformanceTest,
  makeQueue: MakeQueue,
  options: QueueConformanceOptions = {},
): void {
  const delayMs = options.delayMs ?? 300;
  const patienceMs = options.patienceMs ?? 10_000;
  const timeout = patienceMs * 2 + 5_000;

  /** Runs `body` with a fresh queue name; closes every queue it opened. */
  const withQueues = async (body: (open: () => Promise<QueueSink & QueueSource>) => Promise<void>): Promise<void> => {
    const name = `conformance-${randomUUID()}`;
    const opened: (QueueSink & QueueSource)[] = [];
    try {
      await body(async () => {
        const queue = await makeQueue({ name });
        opened.push(queue);
        return queue;
      });
    } finally {
      await Promise.all(opened.map((queue) => queue.close().catch(() => undefined)));
    }
  };

  const until = async (what: string, check: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + patienceMs;
    while (!(await check())) {
      expect(Date.now() < deadline, `timed out waiting until ${what}`);
      await sleep(20);
    }
  };

  test(
    'an enqueued message is kept until a consumer takes it, its envelope intact',
    () =>
      withQueues(async (open) => {
        const producer = await open();
        const envelope = sampleEnvelope({ type: 'a', n: 1, text: 'é ✓' }, { dedupeKey: `k:${randomUUID()}` });
        await producer.enqueue({ key: envelope.dedupeKey, envelope });
        await producer.close();
        const consumer = await open();
        const seen: QueuedJob[] = [];
        await consumer.consume(
          async (job) => {
            seen.push(job);
            return { action: 'done' };
          },
          { concurrency: 2 },
        );
        await until('the job ran', () => seen.length === 1);
        const job = seen[0] as QueuedJob;
        expect(canonical(job.data) === canonical(envelope), 'the job data must be the envelope, unchanged');
        expect(job.attempt === 1, `a first run is attempt 1, got ${job.attempt}`);
        expect(typeof job.id === 'string' && job.id.length > 0, 'the job needs an id');
      }),
    timeout,
  );

  test(
    'a second enqueue with the same key is ignored, even at the same time',
    () =>
      withQueues(async (open) => {
        const [a, b] = [await open(), await open()];
        const key = `github:${randomUUID()}`;
        const envelope = sampleEnvelope({ type: 'a' }, { dedupeKey: key });
        await Promise.all([a.enqueue({ key, envelope }), b.enqueue({ key, envelope }), a.enqueue({ key, envelope })]);
        const other = sampleEnvelope({ type: 'b' });
        await a.enqueue({ key: undefined, envelope: other });
        await a.enqueue({ key: undefined, envelope: other });
        const consumer = await open();
        const runs: unknown[] = [];
        await consumer.consume(
          async (job) => {
            runs.push(job.data);
            return { action: 'done' };
          },
          { concurrency: 4 },
        );
        await until('three jobs ran', () => runs.length >= 3);
        await sleep(delayMs);
        expect(runs.length === 3, `expected 3 runs (one keyed, two unkeyed), got ${runs.length}`);
      }),
    timeout,
  );

  test(
    'retry runs the job again after its delay, counting the attempt; wait does not count one',
    () =>
      withQueues(async (open) => {
        const queue = await open();
        const envelope = sampleEnvelope({ type: 'a' }, { dedupeKey: `k:${randomUUID()}` });
        await queue.enqueue({ key: envelope.dedupeKey, envelope });
        const runs: { attempt: number; waits: number; at: number }[] = [];
        const verdicts: JobVerdict[] = [
          { action: 'wait', delayMs },
          { action: 'retry', delayMs, failure: { code: 'handler_failed', message: 'The event handler failed' } },
          { action: 'done' },
        ];
        await queue.consume(
          async (job) => {
            runs.push({ attempt: job.attempt, waits: job.waits, at: Date.now() });
            return verdicts[runs.length - 1] ?? { action: 'done' };
          },
          { concurrency: 1 },
        );
        await until('three runs', () => runs.length >= 3);
        const [first, second, third] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
        expect(first.attempt === 1 && second.attempt === 1, `a wait is not an attempt (got ${second.attempt})`);
        expect(second.waits === 1, `the job should know it waited once, got ${second.waits}`);
        expect(third.attempt === 2, `a retry counts one attempt: expected attempt 2, got ${third.attempt}`);
        // Timers may fire a little early by the engine's clock: allow 20 ms.
        expect(second.at - first.at >= delayMs - 20, `waited only ${second.at - first.at} ms of ${delayMs}`);
        expect(third.at - second.at >= delayMs - 20, `retried after ${third.at - second.at} ms, before ${delayMs}`);
      }),
    timeout,
  );

  test(
    'dead-letter keeps the job with its failure; redrive runs it again with fresh attempts',
    () =>
      withQueues(async (open) => {
        const queue = await open();
        const key = `k:${randomUUID()}`;
        const envelope = sampleEnvelope({ type: 'order.paid' }, { dedupeKey: key });
        await queue.enqueue({ key, envelope });
        const runs: QueuedJob[] = [];
        let fixed = false;
        await queue.consume(
          async (job) => {
            runs.push(job);
            if (fixed) return { action: 'done' };
            if (job.attempt < 2) {
              return { action: 'retry', delayMs: 10, failure: { code: 'handler_failed', message: 'first' } };
            }
            return { action: 'dead-letter', failure: { code: 'handler_failed', message: 'The event handler failed' } };
          },
          { concurrency: 1 },
        );
        let letters = await queue.deadLetters();
        await until('the job is dead-lettered', async () => {
          letters = await queue.deadLetters();
          return letters.length === 1;
        });
        const letter = letters[0];
        expect(letter !== undefined, 'one dead letter');
        expect(letter.key === key, `the dead letter keeps the dedupe key, got ${String(letter.key)}`);
        expect(letter.type === 'order.paid', `the dead letter keeps the type, got ${String(letter.type)}`);
        expect(letter.failure.code === 'handler_failed', `failure code: ${letter.failure.code}`);
        expect(letter.failure.message === 'The event handler failed', `failure message: ${letter.failure.message}`);
        expect(letter.attempts >= 1, `attempts recorded: ${letter.attempts}`);
        await sleep(delayMs);
        expect(runs.length === 2, `a dead letter is not run again (ran ${runs.length} times)`);
        fixed = true;
        expect((await queue.redrive(['no-such-job'])) === 0, 'redriving an unknown id does nothing');
        expect((await queue.redrive()) === 1, 'redrive() redrives every dead letter');
        await until('the redriven job ran', () => runs.length === 3);
        expect(runs[2]?.attempt === 1, `a redriven job starts at attempt 1, got ${runs[2]?.attempt}`);
        await until('the dead-letter state is empty', async () => (await queue.deadLetters()).length === 0);
        expect((await queue.redrive()) === 0, 'nothing left to redrive');
      }),
    timeout,
  );

  test(
    'where the adapter has them: describe names the queue, an enqueue receipt is the job id, counts count by state',
    () =>
      withQueues(async (open) => {
        const queue = await open();
        const info = queue.describe?.();
        if (info !== undefined) {
          expect(typeof info.name === 'string' && info.name !== '', 'describe() must give the queue a name');
          expect(info.system === undefined || info.system !== '', 'describe().system, when given, is not empty');
        }
        const [first, second] = [`k:${randomUUID()}`, `k:${randomUUID()}`];
        const receipts = [
          await queue.enqueue({ key: first, envelope: sampleEnvelope({ type: 'a' }, { dedupeKey: first }) }),
          await queue.enqueue({ key: second, envelope: sampleEnvelope({ type: 'b' }, { dedupeKey: second }) }),
        ];
        const counts = queue.counts?.bind(queue);
        if (counts) {
          const before = await counts();
          expect(
            before.waiting === 2 && before.delayed === 0 && before.deadLetter === 0,
            `two jobs waiting, got ${JSON.stringify(before)}`,
          );
        }
        const ids: string[] = [];
        await queue.consume(
          async (job) => {
            ids.push(job.id);
            // One job waits far beyond the test, the other is dead-lettered.
            return (job.data as EnvelopeJSON).type === 'a'
              ? { action: 'wait', delayMs: 600_000 }
              : { action: 'dead-letter', failure: { code: 'handler_failed', message: 'The event handler failed' } };
          },
          { concurrency: 2 },
        );
        await until('both jobs ran', () => ids.length === 2);
        for (const [i, receipt] of receipts.entries()) {
          const id = receipt?.messageId;
          expect(
            id === undefined || ids.includes(id),
            `receipt ${i}: ${String(id)} is not a job id (${ids.join(', ')})`,
          );
        }
        if (counts) {
          await until('counts() gives 0 waiting, 1 delayed, 1 dead-lettered', async () => {
            const after = await counts();
            return after.waiting === 0 && after.delayed === 1 && after.deadLetter === 1;
          });
        }
      }),
    timeout,
  );

  test(
    'close waits for the job in hand, which is not run again',
    () =>
      withQueues(async (open) => {
        const queue = await open();
        const envelope = sampleEnvelope({ type: 'slow' }, { dedupeKey: `k:${randomUUID()}` });
        await queue.enqueue({ key: envelope.dedupeKey, envelope });
        let started = 0;
        let finished = 0;
        await queue.consume(
          async () => {
            started++;
            await sleep(delayMs);
            finished++;
            return { action: 'done' };
          },
          { concurrency: 1 },
        );
        await until('the job started', () => started === 1);
        await queue.close();
        expect(finished === 1, 'close must wait for the job in hand');
        const again = await open();
        await again.consume(
          async () => {
            started++;
            return { action: 'done' };
          },
          { concurrency: 1 },
        );
        await sleep(delayMs * 2);
        expect(started === 1, 'a job finished before close must not run again');
      }),
    timeout,
  );

  test(
    'ordering is held at the worker: strict events sent shuffled run in order, other keys are not blocked',
    () =>
      withQueues(async (open) => {
        const store = new MemoryStore();
        const receiver = createReceiver({
          scheme: token({ token: 'conformance', header: 'x-token' }),
          dedupe: { store },
          order: {
            key: (event) => (event as { key?: string }).key,
            sequence: (event) => (event as { seq?: number }).seq,
            start: 1,
            holdMs: 50,
          },
        });
        const seen: string[] = [];
        receiver.onAny((event) => {
          const { key, seq } = event as { key: string; seq: number };
          seen.push(`${key}#${seq}`);
        });
        const queue = await open();
        const keyed = (key: string, seq: number): EnvelopeJSON => ({
          ...sampleEnvelope({ type: 'e', key, seq }, { dedupeKey: `${key}-${seq}` }),
          orderingKey: key,
          sequence: seq,
        });
        for (const seq of [3, 5, 2, 4]) await queue.enqueue({ key: `a-${seq}`, envelope: keyed('a', seq) });
        await queue.enqueue({ key: 'b-1', envelope: keyed('b', 1) });
        const worker = createWorker({ receiver, queue, concurrency: 2, wait: { baseMs: 20, maxMs: delayMs } });
        await until('b ran', () => seen.includes('b#1'));
        expect(!seen.some((entry) => entry.startsWith('a#')), 'a# events must wait for a#1');
        await queue.enqueue({ key: 'a-1', envelope: keyed('a', 1) });
        await until('a ran to 5', () => seen.includes('a#5'));
        const order = seen.filter((entry) => entry.startsWith('a#'));
        expect(order.join(',') === 'a#1,a#2,a#3,a#4,a#5', `a's events ran as ${order.join(',')}`);
        await worker.close();
        await receiver.close();
      }),
    timeout,
  );
}

import { envelopeFromJSON } from '../envelope.js';
import { configError, HookgateError, positiveOption, toHookgateError } from '../errors.js';
import { telemetryOf } from '../observability/telemetry.js';
import type { WorkerTelemetry } from '../observability/worker-telemetry.js';
import type { ProcessResult, Receiver } from '../receiver.js';
import type { EventSchemas } from '../schema.js';
import { type BackoffOptions, exponentialBackoff } from './backoff.js';
import type { DeadLetter, JobFailure, JobVerdict, QueuedJob, QueueSource } from './port.js';

export interface WorkerOptions<E extends EventSchemas = EventSchemas> {
  /** The receiver whose handlers, dedupe and ordering run each job (the web processes' own configuration). */
  receiver: Receiver<E>;
  /** Where jobs come from, e.g. `new BullMQQueue(...)`. */
  queue: QueueSource;
  /** Jobs run at once in this process. Default 8. */
  concurrency?: number;
  /** Attempts before a failing job is dead-lettered (the first run included). Default 15: about 11 h with `backoff`'s defaults. */
  attempts?: number;
  /** Delays between failed attempts: exponential with jitter. Default 10 s doubling, at most 2 h. */
  backoff?: BackoffOptions;
  /**
   * How long a job waits when it is not its turn (a strict-order event ahead of
   * its predecessors) or another process holds its claim: doubling from `baseMs`
   * to `maxMs`. Not an attempt. Default 250 ms to 30 s.
   */
  wait?: { baseMs?: number; maxMs?: number };
}

export interface Worker {
  /** Stops taking jobs and waits for those in hand to finish (or be handed back). */
  close(): Promise<void>;
  /** The jobs in the dead-letter state. */
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Puts dead-lettered jobs (all, or those ids) back in the queue with fresh attempts. */
  redrive(ids?: readonly string[]): Promise<number>;
}

/** Failures a later run can get past without anything changing here: they wait, they are not attempts. */
const TRANSIENT: ReadonlySet<string> = new Set([
  'delivery_in_flight',
  'store_unavailable',
  'ordering_gap',
  'ordering_capacity',
]);

/** What a dead letter keeps of an error: its code and message, and the class of what the handler threw. */
function failureOf(error: HookgateError): JobFailure {
  const cause = error.cause as { name?: unknown } | undefined;
  const thrown = error.code === 'handler_failed' && typeof cause?.name === 'string' ? ` (${cause.name})` : '';
  return { code: error.code, message: `${error.message}${thrown}` };
}

interface RunPolicy {
  attempts: number;
  retryDelay: (attempt: number) => number;
  waitDelay: (waits: number) => number;
}

/**
 * Decides what becomes of one job: the process stage's result mapped onto the
 * queue's verbs. Never throws: whatever happens is a verdict. With telemetry
 * (OpenTelemetry on), the process stage runs under the job's CONSUMER span and
 * the verdict is counted; without, nothing else runs.
 */
export function createJobRunner(
  receiver: Receiver<EventSchemas>,
  policy: RunPolicy,
  telemetry?: WorkerTelemetry | undefined,
): (job: QueuedJob) => Promise<JobVerdict> {
  return async (job) => {
    let envelope: ReturnType<typeof envelopeFromJSON>;
    try {
      envelope = envelopeFromJSON(job.data);
    } catch (caught) {
      // A job no copy of this version can read will not read better later: dead-letter it at once.
      const error = toHookgateError(caught);
      receiver.reportError(error);
      const verdict: JobVerdict = { action: 'dead-letter', failure: { code: error.code, message: error.message } };
      telemetry?.settled(verdict);
      return verdict;
    }
    if (telemetry === undefined) return verdictFor(await receiver.process(envelope), job, policy);
    const result = await telemetry.process(job, envelope, () => receiver.process(envelope));
    const verdict = verdictFor(result, job, policy);
    telemetry.settled(verdict);
    return verdict;
  };
}

function verdictFor(result: ProcessResult, job: QueuedJob, policy: RunPolicy): JobVerdict {
  const error = result.error;
  if (error === undefined) return { action: 'done' };
  if (TRANSIENT.has(error.code)) return { action: 'wait', delayMs: policy.waitDelay(job.waits) };
  // A rejection (the event failed its schema) will not pass by being retried; a fix and a redrive may.
  if (error.status < 500) return { action: 'dead-letter', failure: failureOf(error) };
  if (job.attempt >= policy.attempts) return { action: 'dead-letter', failure: failureOf(error) };
  return { action: 'retry', delayMs: policy.retryDelay(job.attempt), failure: failureOf(error) };
}

/**
 * A durable-mode worker: takes the jobs the web processes queued and runs the
 * process stage on each, with the receiver's handlers, dedupe and ordering.
 * A failing job is retried with backoff, then dead-lettered.
 */
export function createWorker<E extends EventSchemas>(options: WorkerOptions<E>): Worker {
  const { receiver, queue } = options;
  if (typeof receiver?.process !== 'function') throw configError('createWorker: a receiver is required');
  if (typeof queue?.consume !== 'function') throw configError('createWorker: a queue (a QueueSource) is required');
  const concurrency = positiveOption(options.concurrency, 8, 'concurrency');
  const attempts = Math.floor(positiveOption(options.attempts, 15, 'attempts'));
  const backoff = exponentialBackoff(options.backoff);
  const waitBase = positiveOption(options.wait?.baseMs, 250, 'wait.baseMs');
  const waitMax = positiveOption(options.wait?.maxMs, 30_000, 'wait.maxMs');
  const waitDelay = (waits: number) => {
    const step = Math.min(waitMax, waitBase * 2 ** Math.min(waits, 20));
    return Math.round(step / 2 + Math.random() * (step / 2));
  };
  // The receiver's OpenTelemetry (its providers, on or off) covers its workers' spans and metrics too.
  const telemetry = telemetryOf(receiver)?.observeWorker(queue);
  const run = createJobRunner(
    receiver as Receiver<EventSchemas>,
    { attempts, retryDelay: (attempt) => backoff.delay(attempt), waitDelay },
    telemetry,
  );
  // A job the engine dead-lettered by itself (its workers kept dying) is heard and counted like the worker's own.
  const deadLettered = (job: { readonly id: string }, failure: JobFailure) => {
    receiver.reportError(
      new HookgateError('worker_lost', `Job ${job.id} was dead-lettered by the queue: ${failure.message}`),
    );
    telemetry?.settled({ action: 'dead-letter', failure });
  };
  const started = Promise.resolve(queue.consume(run, { concurrency, deadLettered }));
  started.catch((error: unknown) => receiver.reportError(error));
  return {
    async close() {
      await started.catch(() => undefined);
      try {
        await queue.close();
      } finally {
        telemetry?.close();
      }
    },
    deadLetters: (listing) => queue.deadLetters(listing),
    redrive: (ids) => queue.redrive(ids),
  };
}

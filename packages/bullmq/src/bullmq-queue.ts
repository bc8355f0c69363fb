import type {
  ConsumeOptions,
  DeadLetter,
  JobFailure,
  JobRunner,
  QueueCounts,
  QueueInfo,
  QueueMessage,
  QueueReceipt,
  QueueSink,
  QueueSource,
} from '@hookgate/core';
import {
  type ConnectionOptions,
  DelayedError,
  type Job,
  type JobsOptions,
  Queue,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import { jobIdFor } from './job-id.js';

// BullMQ's backend factory type is generic over its backends; the adapter only passes it through.
// biome-ignore lint/suspicious/noExplicitAny: BullMQ's own BackendFactory<B, C> generic, passed through untouched
type BackendFactory = (...args: any[]) => any;

export interface BullMQQueueOptions {
  /** The queue's name; web and worker processes must use the same. */
  name: string;
  /**
   * Where the queue lives: an ioredis client or its options (BullMQ's `connection`).
   * A worker's client needs `maxRetriesPerRequest: null`; a web process's is best
   * with `enableOfflineQueue: false`, so an outage answers 503 at once.
   * With `backend: createPostgresBackend`, a PostgreSQL pool config or connection string.
   */
  connection: ConnectionOptions | unknown;
  /** Redis key prefix (Redis only). Default `bull`. */
  prefix?: string;
  /** BullMQ's backend factory, e.g. `createPostgresBackend` from `bullmq` for PostgreSQL. Default Redis. */
  backend?: BackendFactory;
  /** How many finished jobs (and for how long, in seconds) BullMQ keeps. Default 10,000 for 1 h. */
  keepCompleted?: { count: number; age: number };
  /**
   * A worker's lock on a job: a worker that dies (SIGKILL) loses it after this long and
   * the job is run again elsewhere. Default 30,000 ms.
   */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. Default 30,000 ms. */
  stalledIntervalMs?: number;
  /** A job whose workers died this many times is dead-lettered. Default 10. */
  maxStalledCount?: number;
}

/** A failed attempt, with the worker's delay for the next one (read by the backoff strategy). */
class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(
    readonly failure: JobFailure,
    readonly delayMs: number,
  ) {
    super(describe(failure));
  }
}

/** The failure as BullMQ keeps it (`failedReason`): `code: message`, never the payload. */
function describe(failure: JobFailure): string {
  return `${failure.code}: ${failure.message}`;
}

/** BullMQ's own reason for a job it failed once its workers had died holding it more than `maxStalledCount` times. */
const STALLED_REASON = 'job stalled more than allowable limit';
const WORKERS_LOST: JobFailure = {
  code: 'worker_lost',
  message: `its workers stopped while running it more often than maxStalledCount allows (a crash, a kill, or an event loop blocked past the lock): ${STALLED_REASON}`,
};

function parseFailure(reason: string | undefined): JobFailure {
  if (reason === STALLED_REASON) return WORKERS_LOST;
  const match = /^([a-z][a-z0-9_]*): ([\s\S]*)$/.exec(reason ?? '');
  if (match?.[1] !== undefined && match[2] !== undefined) return { code: match[1], message: match[2] };
  return { code: 'unknown', message: reason ?? 'unknown' };
}

/** A dead letter hookgate's worker decided; any other unrecoverable failure of a job is BullMQ's own. */
class DeadLetterVerdict extends UnrecoverableError {
  // BullMQ also recognises an unrecoverable error by its name.
  override readonly name = 'UnrecoverableError';
}

/** Attempts are counted by hookgate's worker: BullMQ must never run out of them first. */
const ATTEMPTS = 1_000_000;
const BACKOFF_TYPE = 'hookgate';

/**
 * hookgate's queue on BullMQ: `enqueue` for the web processes (pass it as
 * `createReceiver({ queue })`), `consume` for the workers (`createWorker({ queue })`),
 * and the dead-letter state: BullMQ's failed set.
 */
export class BullMQQueue implements QueueSink, QueueSource {
  readonly name: string;
  readonly #options: BullMQQueueOptions;
  #queue: Queue | undefined;
  #worker: Worker | undefined;

  constructor(options: BullMQQueueOptions) {
    if (typeof options?.name !== 'string' || options.name === '' || options.name.includes(':')) {
      throw new TypeError('BullMQQueue: name must be a non-empty string without ":"');
    }
    if (options.connection === undefined) throw new TypeError('BullMQQueue: connection is required');
    this.name = options.name;
    this.#options = options;
  }

  #base() {
    const { connection, prefix } = this.#options;
    return { connection: connection as ConnectionOptions, ...(prefix === undefined ? {} : { prefix }) };
  }

  /** The BullMQ Queue this adapter adds to (made on first use). */
  get queue(): Queue {
    if (!this.#queue) {
      const { backend } = this.#options;
      this.#queue = backend ? new Queue(this.name, this.#base(), backend) : new Queue(this.name, this.#base());
      // An outage reaches the caller as the rejected enqueue (answered 503); unheard, Node would crash on it.
      this.#queue.on('error', () => {});
    }
    return this.#queue;
  }

  /** `messaging.system` `bullmq` and the queue's name, for hookgate's spans and metrics. */
  describe(): QueueInfo {
    return { name: this.name, system: 'bullmq' };
  }

  /** Waiting (prioritized included), delayed (retries in backoff, waits) and dead-lettered (failed) jobs. */
  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'failed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      deadLetter: counts.failed ?? 0,
    };
  }

  async enqueue(message: QueueMessage): Promise<QueueReceipt> {
    const keep = this.#options.keepCompleted ?? { count: 10_000, age: 3_600 };
    const options: JobsOptions = {
      jobId: jobIdFor(message.key),
      attempts: ATTEMPTS,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: keep,
      removeOnFail: false,
    };
    const job = await this.queue.add('delivery', message.envelope, options);
    return { messageId: job.id };
  }

  consume(run: JobRunner, { concurrency, deadLettered }: ConsumeOptions): void {
    if (this.#worker) throw new Error('BullMQQueue: consume was already called');
    const { backend, lockDurationMs, stalledIntervalMs, maxStalledCount } = this.#options;
    const processor = async (job: Job, token?: string) => {
      const verdict = await run({
        id: job.id ?? '',
        data: job.data,
        attempt: job.attemptsMade + 1,
        waits: Math.max(0, job.attemptsStarted - 1 - job.attemptsMade),
      });
      switch (verdict.action) {
        case 'done':
          return;
        case 'wait':
          await job.moveToDelayed(Date.now() + verdict.delayMs, token);
          throw new DelayedError();
        case 'retry':
          throw new RetryLater(verdict.failure, verdict.delayMs);
        case 'dead-letter':
          throw new DeadLetterVerdict(describe(verdict.failure));
      }
    };
    const options = {
      ...this.#base(),
      concurrency,
      lockDuration: lockDurationMs ?? 30_000,
      stalledInterval: stalledIntervalMs ?? 30_000,
      maxStalledCount: maxStalledCount ?? 10,
      settings: {
        backoffStrategy: (_attempts: number, _type?: string, error?: Error) =>
          error instanceof RetryLater ? error.delayMs : 10_000,
      },
    };
    this.#worker = backend
      ? new Worker(this.name, processor, options, backend)
      : new Worker(this.name, processor, options);
    // Connection errors are retried by BullMQ; without a listener Node would throw them.
    this.#worker.on('error', () => {});
    // A job BullMQ failed without running it: it had stalled too often (its deferred failure).
    // Failed attempts it will retry are not unrecoverable; the worker's own dead letters are its verdicts.
    this.#worker.on('failed', (job, error) => {
      if (job === undefined || error instanceof DeadLetterVerdict) return;
      if (!(error instanceof UnrecoverableError || error.name === 'UnrecoverableError')) return;
      try {
        deadLettered?.({ id: job.id ?? '' }, parseFailure(error.message));
      } catch {
        // Hearing about it must not break BullMQ's worker loop, which emitted this.
      }
    });
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue?.close();
  }

  async deadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs
      .filter((job): job is typeof job & { id: string } => typeof job?.id === 'string')
      .sort((a, b) => (a.finishedOn ?? 0) - (b.finishedOn ?? 0))
      .map((job) => {
        const data = (job.data ?? {}) as { dedupeKey?: unknown; type?: unknown };
        return {
          id: job.id,
          key: typeof data.dedupeKey === 'string' ? data.dedupeKey : undefined,
          type: typeof data.type === 'string' ? data.type : undefined,
          attempts: job.attemptsMade,
          failure: parseFailure(job.failedReason),
          failedAt: job.finishedOn,
        };
      });
  }

  async redrive(ids?: readonly string[]): Promise<number> {
    const jobs = ids ? await Promise.all(ids.map((id) => this.queue.getJob(id))) : await this.queue.getFailed(0, -1);
    let redriven = 0;
    for (const job of jobs) {
      if (!job || (await job.getState()) !== 'failed') continue;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      redriven++;
    }
    return redriven;
  }
}

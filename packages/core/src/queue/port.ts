import type { EnvelopeJSON } from '../envelope.js';
import type { HookgateErrorCode } from '../errors.js';

/**
 * The queue port of durable mode. An adapter (BullMQ, and anyone's RabbitMQ,
 * NATS JetStream or SQS) implements `QueueSink` for the web processes and
 * `QueueSource` for the workers; `runQueueConformance` in
 * `@hookgate/core/testing` proves it keeps the contract below.
 */

/** One verified delivery to queue: its envelope as JSON and the dedupe key it was claimed under. */
export interface QueueMessage {
  /**
   * The delivery's dedupe key, when it has one. The adapter derives the job id
   * from it, so a second enqueue of the same key is ignored while the first
   * job is retained. Undefined: the adapter picks a unique id.
   */
  readonly key: string | undefined;
  readonly envelope: EnvelopeJSON;
}

/** What an enqueue may resolve with: the id the queue gave the message (`messaging.message.id` on the PRODUCER span). */
export interface QueueReceipt {
  readonly messageId?: string | undefined;
}

/**
 * How a queue names itself in spans and metrics (OpenTelemetry's messaging
 * conventions). Optional on both sides of the port: without it the spans are
 * named `send` and `process` and carry no destination.
 */
export interface QueueInfo {
  /** The queue's name (`messaging.destination.name`), the same in web and worker processes. */
  readonly name: string;
  /** The messaging system (`messaging.system`), e.g. `bullmq`, `rabbitmq`, `aws_sqs`. */
  readonly system?: string | undefined;
}

/** How many jobs a queue holds, by state (the `hookgate.queue.depth` gauge). */
export interface QueueCounts {
  /** Ready to run, not yet taken by a worker. */
  readonly waiting: number;
  /** Due later: retries in their backoff, jobs waiting for their turn. */
  readonly delayed: number;
  /** In the dead-letter state. */
  readonly deadLetter: number;
}

export interface QueueSink {
  /**
   * Resolves once the message is durably queued (or a message with the same key
   * already is); rejects when it could not be. Must be atomic: never half-queued.
   * `signal` aborts a call the receiver stopped waiting for. May resolve with the
   * message's id (for the PRODUCER span).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: void keeps every adapter written as Promise<void> a QueueSink
  enqueue(message: QueueMessage, options?: { signal?: AbortSignal }): Promise<void | QueueReceipt>;
  /** The queue's name and system, for spans. Called once, when a receiver is built with OpenTelemetry on. */
  describe?(): QueueInfo;
}

/** A queued message handed to a worker. */
export interface QueuedJob {
  /** The engine's job id. */
  readonly id: string;
  /** What was enqueued, as the engine returns it (the worker checks it: it may be anything). */
  readonly data: unknown;
  /** This run's attempt, from 1: failed attempts so far + 1 (waits do not count). */
  readonly attempt: number;
  /** How many times the job was put back to wait (ordering, a claim held elsewhere) without an attempt. */
  readonly waits: number;
}

/** Why a job failed or was dead-lettered: a code and a message, never the payload. */
export interface JobFailure {
  readonly code: HookgateErrorCode | string;
  readonly message: string;
}

/** What the worker decided for a job; the adapter carries it out. */
export type JobVerdict =
  /** Finished (processed, duplicate, stale, unhandled): remove or archive it. */
  | { readonly action: 'done' }
  /** A failed attempt: run it again after `delayMs`, counting one more attempt. */
  | { readonly action: 'retry'; readonly delayMs: number; readonly failure: JobFailure }
  /** Not its turn (ordering) or held elsewhere: run it again after `delayMs`; not an attempt. */
  | { readonly action: 'wait'; readonly delayMs: number }
  /** Give up: move it to the dead-letter state with the reason, until redriven. */
  | { readonly action: 'dead-letter'; readonly failure: JobFailure };

export type JobRunner = (job: QueuedJob) => Promise<JobVerdict>;

/** How a source runs its jobs: the second argument of `consume`. */
export interface ConsumeOptions {
  /** Jobs run at once in this process. */
  readonly concurrency: number;
  /**
   * For an engine that can dead-letter a job by itself, with no run to decide it:
   * BullMQ fails a job whose workers kept dying while they held it (a job that
   * crashes its process, or blocks it past the lock) once it passes its stall
   * limit. The adapter calls this for each such job, so the worker reports and
   * counts it like its own dead letters. An engine that never does ignores it.
   */
  readonly deadLettered?: (job: { readonly id: string }, failure: JobFailure) => void;
}

/** A job in the dead-letter state. */
export interface DeadLetter {
  readonly id: string;
  /** The delivery's dedupe key, when it had one. */
  readonly key: string | undefined;
  /** The event type, when known (from the envelope). */
  readonly type: string | undefined;
  /** Failed attempts made. */
  readonly attempts: number;
  /** The last failure's code and message. */
  readonly failure: JobFailure;
  /** When it was dead-lettered, ms since the epoch (when the engine knows). */
  readonly failedAt: number | undefined;
}

export interface QueueSource {
  /** The queue's name and system, for spans and metrics. Called once, by `createWorker` with OpenTelemetry on. */
  describe?(): QueueInfo;
  /**
   * How many jobs are waiting, delayed and dead-lettered right now, where the
   * engine can count them cheaply (read at each metrics collection, not per job).
   */
  counts?(): Promise<QueueCounts>;
  /**
   * Starts taking jobs, at most `concurrency` at a time, and runs each through
   * `run`, then carries out its verdict. A job whose worker died (SIGKILL,
   * a lost connection) must come back to some worker: nothing is lost.
   * Called once per source.
   */
  consume(run: JobRunner, options: ConsumeOptions): void | Promise<void>;
  /** Stops taking jobs; resolves when the jobs in hand have finished (or were handed back). */
  close(): Promise<void>;
  /** Jobs in the dead-letter state, oldest first, at most `limit` (default 100). */
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /**
   * Puts dead-lettered jobs (all of them, or those ids) back in the queue with
   * their attempts reset. Resolves with how many were redriven.
   */
  redrive(ids?: readonly string[]): Promise<number>;
}

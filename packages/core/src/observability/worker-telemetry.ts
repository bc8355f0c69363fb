import type { Envelope } from '../envelope.js';
import type { QueuedJob, QueueSource } from '../queue/port.js';
import type { QueueDescription, QueueTracing } from './queue-tracing.js';

/** What the process stage came to, as the CONSUMER span reads it. */
interface Processed {
  status: number;
  error?: { code: string } | undefined;
}

/**
 * One worker's durable-mode telemetry, built by `createWorker` from its
 * receiver's OpenTelemetry (none when that is off): each job runs under a
 * CONSUMER span.
 */
export class WorkerTelemetry {
  readonly #tracing: QueueTracing;
  readonly #queue: QueueDescription;

  constructor(tracing: QueueTracing, source: QueueSource) {
    this.#tracing = tracing;
    this.#queue = { ...source.describe?.() };
  }

  /** Runs the process stage of one job under its CONSUMER span (`process <queue>`). */
  process<T extends Processed>(job: QueuedJob, envelope: Envelope, run: () => Promise<T>): Promise<T> {
    return this.#tracing.consume(
      envelope,
      { ...this.#queue, messageId: job.id === '' ? undefined : job.id, attempt: job.attempt },
      run,
    );
  }
}

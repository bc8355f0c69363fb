import type { Envelope } from '../envelope.js';
import type { JobVerdict, QueuedJob, QueueSource } from '../queue/port.js';
import type { OpenTelemetry } from './otel.js';
import { QueueMetrics } from './queue-metrics.js';
import type { QueueDescription, QueueTracing } from './queue-tracing.js';

/** What the process stage came to, as the CONSUMER span reads it. */
interface Processed {
  status: number;
  error?: { code: string } | undefined;
}

/**
 * One worker's durable-mode telemetry, built by `createWorker` from its
 * receiver's OpenTelemetry (none when that is off): each job runs under a
 * CONSUMER span, and its lag and verdict go to the queue metrics.
 */
export class WorkerTelemetry {
  readonly #otel: OpenTelemetry;
  readonly #tracing: QueueTracing;
  readonly #metrics: QueueMetrics;
  readonly #queue: QueueDescription;

  constructor(otel: OpenTelemetry, tracing: QueueTracing, scheme: string, source: QueueSource) {
    this.#otel = otel;
    this.#tracing = tracing;
    const info = source.describe?.();
    this.#queue = { ...info };
    this.#metrics = new QueueMetrics(otel, scheme, info, source.counts?.bind(source));
    // Bind now, so the depth gauge reads the queue before the first job arrives.
    this.#instruments();
  }

  #instruments(): ReturnType<QueueMetrics['instruments']> {
    try {
      return this.#metrics.instruments(this.#otel.globals());
    } catch {
      // A broken SDK must not break jobs.
      return undefined;
    }
  }

  /** Runs the process stage of one job under its CONSUMER span (`process <queue>`), and records its lag. */
  process<T extends Processed>(job: QueuedJob, envelope: Envelope, run: () => Promise<T>): Promise<T> {
    const instruments = this.#instruments();
    try {
      if (instruments) this.#metrics.started(instruments, job, envelope);
    } catch {
      // as above
    }
    return this.#tracing.consume(
      envelope,
      { ...this.#queue, messageId: job.id === '' ? undefined : job.id, attempt: job.attempt },
      run,
    );
  }

  /** Counts the verdict (and a dead letter). */
  settled(verdict: JobVerdict): void {
    const instruments = this.#instruments();
    try {
      if (instruments) this.#metrics.settled(instruments, verdict);
    } catch {
      // as above
    }
  }

  /** Stops the depth gauge (its callback holds the queue). */
  close(): void {
    this.#metrics.close();
  }
}

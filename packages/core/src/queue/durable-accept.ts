import type { Delivery, Progress } from '../accept.js';
import type { Dedupe } from '../dedupe.js';
import { type Envelope, envelopeToJSON } from '../envelope.js';
import { HookgateError } from '../errors.js';
import type { QueueDescription, QueueTracing } from '../observability/queue-tracing.js';
import { okResponse } from '../responses.js';
import { failureReasonOf } from '../stores/store.js';
import type { MaybePromise, ReceiverResponse } from '../types.js';
import type { QueueSink } from './port.js';

/**
 * The accept-side claim lives under its own key: "accepted" and "processed" are
 * two facts in the same store. The web process marks the first once the job is
 * queued (copies then get 200 duplicate); the worker claims and completes the
 * delivery's own key, as inline mode does, so a job run twice (a redrive, a
 * worker killed after its handler) is still processed once.
 */
export const QUEUED_KEY_PREFIX = 'queued:';

const QUEUE_RETRY_AFTER = 5;

export interface DurableAcceptOptions {
  queue: QueueSink;
  dedupe: Dedupe | undefined;
  /** How long to wait for the queue before answering 503. */
  timeoutMs: number;
  /** The PRODUCER span around each enqueue, when OpenTelemetry is on. */
  tracing: QueueTracing | undefined;
}

/** accept → claim → enqueue → 202; the enqueue failed → release → 503. */
export class DurableAccept {
  readonly #options: DurableAcceptOptions;
  readonly #tracing: QueueTracing | undefined;
  /** The queue as the PRODUCER span names it (asked once). */
  readonly #queueInfo: QueueDescription;

  constructor(options: DurableAcceptOptions) {
    if (typeof options.queue?.enqueue !== 'function') {
      throw new HookgateError('invalid_configuration', 'queue must have an enqueue method (a QueueSink)');
    }
    this.#options = options;
    this.#tracing = options.tracing;
    this.#queueInfo = options.tracing ? { ...options.queue.describe?.() } : {};
  }

  async enqueue(
    delivery: Delivery,
    progress: Progress,
  ): Promise<{ response: ReceiverResponse; outcome: 'queued' | 'duplicate' }> {
    const { dedupe } = this.#options;
    const { envelope } = delivery;
    const key = envelope.dedupeKey;
    const claim = dedupe && key !== undefined ? await dedupe.claim(QUEUED_KEY_PREFIX + key, delivery.ctx) : undefined;
    if (claim === 'duplicate') return { response: okResponse('duplicate'), outcome: 'duplicate' };
    if (claim) {
      delivery.ctx = { ...delivery.ctx, dedupeKey: key };
      claim.ctx = delivery.ctx;
      progress.ctx = delivery.ctx;
    }
    try {
      await this.#send(key, envelope);
    } catch (error) {
      // Not queued: forget the claim so the sender's retry is taken.
      await claim?.release();
      throw error;
    }
    await claim?.complete();
    return { response: okResponse('queued', 202), outcome: 'queued' };
  }

  /**
   * Queues a replay: no "queued" claim (the original's is done) and no message key
   * (the queue may still hold the original's job, and would ignore the same key: it
   * picks a unique id); the worker's claim on the delivery's own key still runs it at most once.
   */
  async enqueueReplay(envelope: Envelope): Promise<{ response: ReceiverResponse; outcome: 'queued' }> {
    await this.#send(undefined, envelope);
    return { response: okResponse('queued', 202), outcome: 'queued' };
  }

  /**
   * With OpenTelemetry on, the enqueue runs under a PRODUCER span (a child of the
   * delivery's span), and the envelope that goes on the queue carries its context.
   */
  #send(key: string | undefined, envelope: Envelope): MaybePromise<unknown> {
    const tracing = this.#tracing;
    // Off: the enqueue itself, nothing more (not even a promise of its own).
    if (tracing === undefined) return this.#enqueue(key, envelope);
    return tracing.enqueue(envelope, this.#queueInfo, (traced) => this.#enqueue(key, traced));
  }

  /** Enqueues within the timeout (resolving with the queue's receipt, if any); a failure or a timeout is a 503 queue_unavailable. */
  async #enqueue(key: string | undefined, envelope: Envelope): Promise<unknown> {
    const { queue, timeoutMs } = this.#options;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        queue.enqueue({ key, envelope: envelopeToJSON(envelope) }, { signal: controller.signal }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error('enqueue timed out'), { reason: 'timeout' })),
            timeoutMs,
          );
        }),
      ]);
    } catch (cause) {
      controller.abort();
      throw new HookgateError('queue_unavailable', `The queue is unavailable (${failureReasonOf(cause)})`, {
        retryAfter: QUEUE_RETRY_AFTER,
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

import type * as Api from '@opentelemetry/api';
import type { Envelope } from '../envelope.js';
import type { JobVerdict, QueueCounts, QueuedJob, QueueInfo } from '../queue/port.js';
import { ATTR, type GlobalRegistry, type OpenTelemetry } from './otel.js';

/** Queue metric attribute names (hookgate's own; the queue's are OpenTelemetry's `messaging.*`). */
export const QUEUE_ATTR = {
  verdict: 'hookgate.queue.verdict',
  state: 'hookgate.queue.state',
  system: 'messaging.system',
  destination: 'messaging.destination.name',
} as const;

/** Verdicts and states as attribute values: snake_case, as OpenTelemetry's enum values are. */
const VERDICT: Record<JobVerdict['action'], string> = {
  done: 'done',
  retry: 'retry',
  wait: 'wait',
  'dead-letter': 'dead_letter',
};

/** Lag buckets, seconds: a few ms (an idle worker) to an hour (a backlog, a worker outage). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

interface QueueInstruments {
  readonly jobs: Api.Counter;
  readonly deadLetters: Api.Counter;
  readonly lag: Api.Histogram;
  readonly depth: Api.ObservableGauge | undefined;
  readonly observeDepth: Api.ObservableCallback | undefined;
}

/**
 * Durable mode's metrics in a worker, through the receiver's meter: jobs by
 * verdict, dead letters, queue lag, and (when the queue counts) its depth.
 * Rebound like the delivery metrics when the MeterProvider changes; nothing
 * is created while there is no real one.
 */
export class QueueMetrics {
  readonly #otel: OpenTelemetry;
  /** The scheme and the queue's `messaging.*`: on every job metric. */
  readonly #attributes: Api.Attributes;
  /** The queue's `messaging.*` alone: the depth is the queue's, not a scheme's. */
  readonly #queueAttributes: Api.Attributes;
  readonly #counts: (() => Promise<QueueCounts>) | undefined;
  #meter: Api.Meter | undefined;
  #instruments: QueueInstruments | undefined;

  constructor(
    otel: OpenTelemetry,
    scheme: string,
    info: QueueInfo | undefined,
    counts: (() => Promise<QueueCounts>) | undefined,
  ) {
    this.#otel = otel;
    this.#counts = counts;
    const queue: Api.Attributes = {};
    if (info?.system) queue[QUEUE_ATTR.system] = info.system;
    if (info?.name) queue[QUEUE_ATTR.destination] = info.name;
    this.#queueAttributes = queue;
    this.#attributes = { [ATTR.scheme]: scheme, ...queue };
  }

  /** The instruments, or undefined while the MeterProvider is the API's no-op one. */
  instruments(globals: GlobalRegistry | undefined): QueueInstruments | undefined {
    const meter = this.#otel.meter(globals);
    if (meter !== this.#meter) this.#bind(meter);
    return this.#instruments;
  }

  #bind(meter: Api.Meter | undefined): void {
    this.#unbind();
    this.#meter = meter;
    if (meter === undefined) return;
    const jobs = meter.createCounter('hookgate.queue.jobs', {
      description: 'Job runs in durable-mode workers, by verdict (done, retry, wait, dead_letter) and error.type',
      unit: '{job}',
    });
    const deadLetters = meter.createCounter('hookgate.queue.dead_letters', {
      description: 'Jobs this worker moved to the dead-letter state, by error.type',
      unit: '{job}',
    });
    const lag = meter.createHistogram('hookgate.queue.lag', {
      description: 'Time from receiving a delivery to a worker starting its job (first runs only)',
      unit: 's',
      advice: { explicitBucketBoundaries: LAG_BUCKETS },
    });
    let depth: Api.ObservableGauge | undefined;
    let observeDepth: Api.ObservableCallback | undefined;
    const counts = this.#counts;
    if (counts) {
      // A gauge, not an up-down counter: every worker observes the same shared queue, so
      // the values of several processes do not add up.
      depth = meter.createObservableGauge('hookgate.queue.depth', {
        description: 'Jobs on the queue now, by state (waiting, delayed, dead_letter)',
        unit: '{job}',
      });
      const attributes = this.#queueAttributes;
      const waiting = { ...attributes, [QUEUE_ATTR.state]: 'waiting' };
      const delayed = { ...attributes, [QUEUE_ATTR.state]: 'delayed' };
      const deadLetter = { ...attributes, [QUEUE_ATTR.state]: 'dead_letter' };
      observeDepth = async (result) => {
        let now: QueueCounts;
        try {
          now = await counts();
        } catch {
          // The queue is unreachable: no reading beats a made-up one.
          return;
        }
        result.observe(now.waiting, waiting);
        result.observe(now.delayed, delayed);
        result.observe(now.deadLetter, deadLetter);
      };
      depth.addCallback(observeDepth);
    }
    this.#instruments = { jobs, deadLetters, lag, depth, observeDepth };
  }

  #unbind(): void {
    const instruments = this.#instruments;
    if (instruments?.depth && instruments.observeDepth) instruments.depth.removeCallback(instruments.observeDepth);
    this.#instruments = undefined;
    this.#meter = undefined;
  }

  /**
   * A job's first run: how long the delivery waited for a worker. Retries and waits
   * are left out (their delay is the worker's choice, not the queue's backlog), and
   * replays (their receipt time is the original's); a redriven job counts again.
   */
  started(instruments: QueueInstruments, job: QueuedJob, envelope: Envelope): void {
    if (job.attempt !== 1 || job.waits !== 0 || envelope.replay) return;
    // Clocks of two processes: a skew may put the start before the receipt.
    instruments.lag.record(Math.max(0, Date.now() - envelope.receivedAt) / 1000, this.#attributes);
  }

  /** What the worker decided for a job. */
  settled(instruments: QueueInstruments, verdict: JobVerdict): void {
    const code = verdict.action === 'retry' || verdict.action === 'dead-letter' ? verdict.failure.code : undefined;
    const attributes: Api.Attributes = { ...this.#attributes, [QUEUE_ATTR.verdict]: VERDICT[verdict.action] };
    if (code !== undefined) attributes[ATTR.errorType] = code;
    instruments.jobs.add(1, attributes);
    if (verdict.action === 'dead-letter')
      instruments.deadLetters.add(1, { ...this.#attributes, [ATTR.errorType]: code });
  }

  /** Stops observing the depth (its callback holds the queue). */
  close(): void {
    this.#unbind();
  }
}

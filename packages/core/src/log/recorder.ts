import { bytesView } from '../bytes.js';
import type { Report } from '../dedupe.js';
import type { Envelope } from '../envelope.js';
import { configError, HookgateError, positiveOption } from '../errors.js';
import { keepHeaders } from '../headers.js';
import { isThenable } from '../maybe-promise.js';
import { failureReasonOf } from '../stores/store.js';
import type { DeliveryContext, DeliveryRecord } from '../types.js';
import { type DeliveryLog, type LogCapture, type LogEntry, newEntryKey } from './log.js';

/** Which deliveries keep their bytes and headers: none, the failed ones, or all. */
export type CaptureMode = 'off' | 'failed' | 'all';

export interface DeliveryLogOptions {
  /** Where entries go: a `MemoryDeliveryLog`, a `RedisDeliveryLog`, or any `DeliveryLog`. */
  store: DeliveryLog;
  /**
   * Keep the raw body and allow-listed headers of verified deliveries: `'failed'`
   * (answered 4xx/5xx) or `'all'`. Needed to replay. Default `'off'`: metadata only.
   */
  capture?: CaptureMode;
  /** Most body bytes captured per delivery; a longer body is cut (and cannot be replayed). Default 64 KiB. */
  captureBytes?: number;
  /**
   * Header names captured besides the default list (content-type, user-agent and the
   * senders' id, event and timestamp headers). Credential and signature headers are never kept.
   */
  captureHeaders?: readonly string[];
  /** Most appends waiting for the log at once; past it entries are dropped (and reported). Default 1,000. */
  maxPending?: number;
}

/** Headers worth keeping to read and to replay a delivery: none carries a credential. */
export const DEFAULT_CAPTURE_HEADERS: readonly string[] = [
  'content-type',
  'user-agent',
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-github-hook-installation-target-id',
  'x-github-hook-installation-target-type',
  'webhook-id',
  'webhook-timestamp',
  'svix-id',
  'svix-timestamp',
  'x-shopify-topic',
  'x-shopify-webhook-id',
  'x-shopify-event-id',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  'x-shopify-triggered-at',
  'x-slack-request-timestamp',
  'x-slack-retry-num',
  'x-slack-retry-reason',
  'x-gitlab-event',
  'x-gitlab-event-uuid',
];

/** Never kept, whatever the allow-list says (the envelope's own rule drops the rest). */
const NEVER_CAPTURED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** What the receiver knows about a delivery when it records it. */
export interface LogFacts {
  readonly record: DeliveryRecord;
  readonly ctx: DeliveryContext | undefined;
  readonly envelope: Envelope | undefined;
  readonly replayOf: string | undefined;
}

/**
 * Turns each delivery's record into a log entry and appends it off the answer's
 * path. A log that fails or falls behind never changes an answer: the failure
 * goes to onError, and past `maxPending` waiting appends entries are dropped.
 */
export class LogRecorder {
  readonly store: DeliveryLog;
  readonly #capture: CaptureMode;
  readonly #captureBytes: number;
  readonly #headers: ReadonlySet<string>;
  readonly #maxPending: number;
  readonly #report: Report;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();
  #dropped = 0;

  constructor(options: DeliveryLogOptions, report: Report, now: () => number) {
    const store = options?.store as Partial<DeliveryLog> | undefined;
    if (
      typeof store !== 'object' ||
      store === null ||
      typeof store.append !== 'function' ||
      typeof store.get !== 'function' ||
      typeof store.list !== 'function'
    ) {
      throw configError('log.store must be a delivery log (append, list, get), e.g. new MemoryDeliveryLog()');
    }
    const capture = options.capture ?? 'off';
    if (capture !== 'off' && capture !== 'failed' && capture !== 'all') {
      throw configError("log.capture must be 'off', 'failed' or 'all'");
    }
    const extra = (options.captureHeaders ?? []).map((name) => String(name).toLowerCase());
    for (const name of extra) {
      if (NEVER_CAPTURED.has(name) || Object.keys(keepHeaders({ [name]: '' })).length === 0) {
        throw configError(`log.captureHeaders: ${name} carries a credential or a signature and is never captured`);
      }
    }
    this.store = options.store;
    this.#capture = capture;
    this.#captureBytes = positiveOption(options.captureBytes, 64 * 1024, 'log.captureBytes');
    this.#maxPending = positiveOption(options.maxPending, 1_000, 'log.maxPending');
    this.#headers = new Set([...DEFAULT_CAPTURE_HEADERS, ...extra]);
    this.#report = report;
    this.#now = now;
  }

  /** Appends the delivery's entry; returns its key. Never throws. */
  append(facts: LogFacts): string {
    const { record, ctx, envelope } = facts;
    // Refused before the envelope (in well under a millisecond, the body already read): now is when it came.
    const receivedAt = envelope?.receivedAt ?? this.#now();
    const key = newEntryKey(receivedAt);
    let entry: LogEntry;
    try {
      const capture = this.#captureOf(record, ctx, envelope);
      entry = {
        key,
        receivedAt,
        scheme: record.scheme,
        id: record.id,
        type: record.type,
        dedupeKey: envelope?.dedupeKey,
        orderingKey: envelope?.orderingKey,
        sequence: envelope?.sequence,
        outcome: record.outcome,
        status: record.status,
        code: record.code,
        verified: record.verified,
        secretLabel: record.secretLabel,
        attempts: undefined,
        durationMs: record.durationMs,
        handlerMs: record.handlerMs,
        replayOf: facts.replayOf,
        captured: capture !== undefined,
        capture,
      };
    } catch (error) {
      this.#failed(error, ctx);
      return key;
    }
    if (this.#pending.size >= this.#maxPending) {
      // Report the first drop of a run, then one in a thousand: a slow log must not flood onError.
      if (this.#dropped++ % 1_000 === 0) {
        this.#report(
          new HookgateError('log_unavailable', `The delivery log is behind: ${this.#dropped} entries dropped`),
          ctx,
        );
      }
      return key;
    }
    this.#dropped = 0;
    let appending: unknown;
    try {
      appending = this.store.append(entry);
    } catch (error) {
      this.#failed(error, ctx);
      return key;
    }
    if (isThenable(appending)) {
      const pending: Promise<void> = Promise.resolve(appending).then(
        () => {
          this.#pending.delete(pending);
        },
        (error: unknown) => {
          this.#pending.delete(pending);
          this.#failed(error, ctx);
        },
      );
      this.#pending.add(pending);
    }
    return key;
  }

  /** Resolves once every append started so far has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  #failed(error: unknown, ctx: DeliveryContext | undefined): void {
    this.#report(
      new HookgateError('log_unavailable', `The delivery log failed to record a delivery (${failureReasonOf(error)})`, {
        cause: error,
      }),
      ctx,
    );
  }

  /** The bytes and headers, for a verified delivery the capture mode covers. */
  #captureOf(
    record: DeliveryRecord,
    ctx: DeliveryContext | undefined,
    envelope: Envelope | undefined,
  ): LogCapture | undefined {
    if (this.#capture === 'off' || (this.#capture === 'failed' && record.status < 400)) return undefined;
    // Only verified bytes are kept: a forger cannot fill the log with bodies of its own.
    const body = envelope?.body ?? ctx?.rawBody;
    const source = envelope?.headers ?? ctx?.headers;
    if (!record.verified || body === undefined || source === undefined) return undefined;
    const headers: Record<string, string> = {};
    for (const name in source) {
      const value = source[name];
      if (value !== undefined && this.#headers.has(name) && !NEVER_CAPTURED.has(name)) headers[name] = value;
    }
    return {
      // A copy: the request's buffer may be pooled and reused once the answer is out.
      body: bytesView(new Uint8Array(body.subarray(0, this.#captureBytes))),
      bodyBytes: body.length,
      headers: keepHeaders(headers),
      envelope: envelope && {
        timestamp: envelope.timestamp,
        retryNum: envelope.retryNum,
        retryReason: envelope.retryReason,
        rejection: envelope.rejection,
      },
    };
  }
}

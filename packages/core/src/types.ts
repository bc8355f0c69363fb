import type { HookgateErrorCode } from './errors.js';
import type { Logger } from './observability/logger.js';

/**
 * Bytes as the runtime has them: Node's Buffer where there is one (Node, Bun,
 * Deno, workerd with nodejs_compat, and so wherever your types include
 * `Buffer`), a plain Uint8Array elsewhere (workerd, Vercel Edge, browsers).
 */
export type Bytes = typeof globalThis extends { Buffer: { isBuffer(value: unknown): value is infer B } }
  ? B
  : Uint8Array;

/** Header values as Node, Fetch and the frameworks hand them over. */
export type HeaderInput =
  | Headers
  | Readonly<Record<string, string | readonly string[] | number | undefined>>
  | Iterable<readonly [string, string]>;

/** The raw request an adapter passes to `receiver.handle`. */
export interface ReceiverRequest {
  method: string;
  url?: string | undefined;
  headers: HeaderInput;
  /** The exact bytes received. A string is taken as its UTF-8 encoding. */
  body: Bytes | Uint8Array | ArrayBuffer | string;
  /** The framework's logger for this request (Fastify's `request.log`), used unless the receiver's `logger` is `false`. */
  logger?: Logger | undefined;
}

/** What an adapter writes back. */
export interface ReceiverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The request as a scheme sees it: lower-cased headers, the body as bytes. The headers are
 * read only: a plain record that needs no normalizing (node:http's own) is handed on as it is.
 */
export interface SchemeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Bytes;
}

/** What a scheme learned from a verified signature. */
export interface VerifiedSignature {
  /** Delivery id carried in signed headers (Standard Webhooks' message id). */
  id?: string | undefined;
  /** The signed send time, in seconds since the epoch. */
  timestamp?: number | undefined;
  /** The label of the secret that matched, when it has one (never the secret itself). */
  secretLabel?: string | undefined;
}

/**
 * How a sender redelivers what was not answered 2xx, as its documentation states
 * it. Undefined fields are not documented by the sender.
 */
export interface RedeliveryProfile {
  /** Automatic retries after the first attempt; 0 when the sender never retries. */
  retries: number | undefined;
  /** How long after the first attempt the last retry comes, in milliseconds. */
  horizonMs?: number | undefined;
  /** How long the sender waits for an answer, in milliseconds. */
  timeoutMs?: number | undefined;
  /** Which answers it retries, and anything else worth knowing. */
  notes?: string | undefined;
}

/** What a scheme reads from a verified, parsed delivery. */
export interface DeliveryInfo {
  /** The delivery id: the default dedupe key. */
  id: string | undefined;
  /** The event type handlers are chosen by. */
  type: string | undefined;
  /** How many times the sender says it has retried (Slack's x-slack-retry-num). */
  retryNum?: number | undefined;
  retryReason?: string | undefined;
}

/**
 * A sender's signing scheme. The receiver calls `verify` on the raw bytes
 * before anything is parsed; `parse` and `describe` only ever see verified bodies.
 */
export interface Scheme {
  readonly name: string;
  /** The sender's redelivery behaviour, when known. */
  readonly redelivery?: RedeliveryProfile | undefined;
  /**
   * Headers that carry a signature or a shared secret (lower-case): never to be
   * logged, captured or copied into an envelope (`X-Gitlab-Token` is the secret itself).
   */
  readonly signatureHeaders?: readonly string[] | undefined;
  /**
   * Answers, before `verify`, the one request a sender makes without a signature
   * (Slack's `ssl_check`); undefined for everything else, which then must verify.
   * It must match only that exact unsigned form, and whatever it answers runs no
   * handler and claims no dedupe key.
   */
  answerUnsigned?(request: SchemeRequest): ReceiverResponse | undefined;
  /**
   * Throws (or rejects with) a HookgateError (401) unless the request carries a
   * valid signature. Synchronous on Node; a promise where the check needs Web
   * Crypto (Bun, Deno, workers), which the receiver awaits.
   */
  verify(request: SchemeRequest): MaybePromise<VerifiedSignature>;
  /** Turns the verified body into the event payload (or a promise of it); JSON when absent. */
  parse?(request: SchemeRequest): unknown;
  /**
   * Answers a handshake (e.g. Slack's url_verification) instead of dispatching.
   * A promise where the answer needs Web Crypto (Zoom's), which the receiver awaits.
   */
  respond?(payload: unknown, request: SchemeRequest): MaybePromise<ReceiverResponse | undefined>;
  describe(payload: unknown, request: SchemeRequest, verified: VerifiedSignature): MaybePromise<DeliveryInfo>;
}

/** Passed to every handler with the event. */
export interface DeliveryContext {
  readonly scheme: string;
  /** The delivery id, when the sender gives one. */
  readonly id: string | undefined;
  /** The dedupe key actually used (undefined when dedupe did not apply). */
  readonly dedupeKey: string | undefined;
  /** The ordering key, when ordering applies to this event. */
  readonly orderingKey: string | undefined;
  /** The event's sequence number, when ordering applies. */
  readonly sequence: number | undefined;
  /** True when a strict-order event ran without its predecessors (`onGap: 'deliver'`, or a restarted key). */
  readonly gap: boolean;
  /** True when the delivery is run again from its envelope (a replay), not as it arrived. */
  readonly replay: boolean;
  readonly type: string | undefined;
  /** The signed send time in seconds, when the scheme signs one. */
  readonly timestamp: number | undefined;
  readonly retryNum: number | undefined;
  readonly retryReason: string | undefined;
  /** The label of the secret that verified the signature (key rotation), never the secret. */
  readonly secretLabel: string | undefined;
  /** Lower-cased request headers, without credentials or signatures (authorization, cookie, *-signature…). */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were verified. */
  readonly rawBody: Bytes;
}

export type DeliveryOutcome =
  | 'processed'
  /** Durable mode: verified and on the queue (answered 202); a worker processes it. */
  | 'queued'
  /** Verified and valid, but no handler was registered for its type. */
  | 'unhandled'
  | 'duplicate'
  | 'stale'
  | 'challenge'
  | 'rejected'
  | 'in-flight'
  | 'failed'
  | 'unavailable';

/** One structured record per delivery, for logs and metrics. Holds no secret, signature or payload. */
export interface DeliveryRecord {
  outcome: DeliveryOutcome;
  status: number;
  code: HookgateErrorCode | undefined;
  scheme: string;
  /** Whether the signature verified. */
  verified: boolean;
  id: string | undefined;
  type: string | undefined;
  /** The label of the secret that verified (key rotation), when it has one. */
  secretLabel: string | undefined;
  /** Total time in `handle`, milliseconds. */
  durationMs: number;
  /** Time spent in handlers, milliseconds (undefined when none ran). */
  handlerMs: number | undefined;
}

export type MaybePromise<T> = T | Promise<T>;

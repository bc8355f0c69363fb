import type { HookgateErrorCode } from './errors.js';
import type { Logger } from './observability/logger.js';

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
  body: Buffer | Uint8Array | ArrayBuffer | string;
  /** The framework's logger for this request (Fastify's `request.log`), used unless the receiver's `logger` is `false`. */
  logger?: Logger | undefined;
}

/** What an adapter writes back. */
export interface ReceiverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The request as a scheme sees it: lower-cased headers, the body as bytes. */
export interface SchemeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What a scheme learned from a verified signature. */
export interface VerifiedSignature {
  /** Delivery id carried in signed headers (Standard Webhooks' message id). */
  id?: string | undefined;
  /** The signed send time, in seconds since the epoch. */
  timestamp?: number | undefined;
  /** The label of the secret that verified (for rotation), never the secret itself. */
  secretLabel?: string | undefined;
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
  /**
   * Throws (or rejects with) a HookgateError (401) unless the request carries a valid
   * signature. May answer with a promise (Web Crypto): the receiver awaits it.
   */
  verify(request: SchemeRequest): MaybePromise<VerifiedSignature>;
  /** Turns the verified body into the event payload (or a promise of it); JSON when absent. */
  parse?(request: SchemeRequest): unknown;
  /** Answers a handshake (e.g. Slack's url_verification) instead of dispatching. */
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
  readonly rawBody: Buffer;
}

export type DeliveryOutcome =
  | 'processed'
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

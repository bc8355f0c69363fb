import { parseJsonBody, toBuffer } from './body.js';
import type { Dedupe } from './dedupe.js';
import { ENVELOPE_VERSION, type Envelope } from './envelope.js';
import { HookgateError, rejection } from './errors.js';
import { readHeaders, unnamedCredentials } from './headers.js';
import { isThenable, type Resolved, type Thenable } from './maybe-promise.js';
import type { Sequencer } from './ordering.js';
import { type EventSchemas, SchemaMismatchError, type StandardSchemaV1, validate } from './schema.js';
import type {
  Bytes,
  DeliveryContext,
  DeliveryInfo,
  MaybePromise,
  ReceiverRequest,
  ReceiverResponse,
  Scheme,
  SchemeRequest,
  VerifiedSignature,
} from './types.js';
import { checkWindow, type Window } from './window.js';

/** A verified, parsed and validated delivery, ready for the process stage. */
export interface Delivery {
  readonly kind: 'delivery';
  readonly envelope: Envelope;
  /** What handlers get: the schema's output for the type, else the parsed payload. */
  readonly event: unknown;
  ctx: DeliveryContext;
  /**
   * The event failed its schema but holds a place in a strict sequence: the
   * process stage moves the cursor past it in its turn, then answers this error.
   */
  readonly rejected: HookgateError | undefined;
}

/** What the accept stage comes to: a delivery to process, or a handshake to answer. */
export type Accepted = Delivery | Handshake;

export interface Handshake {
  readonly kind: 'handshake';
  readonly response: ReceiverResponse;
}

/** How events are ordered: the user's key and sequence functions, and the sequencer. */
export interface Ordering {
  readonly key: (event: unknown, ctx: DeliveryContext) => string | number | undefined;
  readonly sequence: (event: unknown, ctx: DeliveryContext) => number | undefined;
  readonly sequencer: Sequencer;
  /** With schemas, only events of a schema'd type are ordered (their shape is known). */
  readonly typedOnly: boolean;
}

/** What the receiver learns as a delivery advances, for its record and its error reports. */
export interface Progress {
  verified: boolean;
  ctx: DeliveryContext | undefined;
  handlerMs: number | undefined;
  // For the delivery log: the envelope once accepted, what a replay ran again, and the entry's key.
  envelope?: Envelope | undefined;
  replayOf?: string | undefined;
  logKey?: string | undefined;
}

export interface AcceptOptions {
  scheme: Scheme;
  window: Window;
  schemas: Partial<Record<string, StandardSchemaV1>>;
  maxBodyBytes: number;
  now: () => number;
  dedupe: Dedupe | undefined;
  order: Ordering | undefined;
}

/**
 * The accept stage: method and size, verify, window, parse (and handshake),
 * validate, and the envelope. Nothing is parsed before the signature has
 * verified over the exact bytes. Stays synchronous while the scheme and the
 * schema are; throws (or rejects with) a HookgateError for what it refuses.
 */
export class AcceptStage {
  readonly #options: AcceptOptions;
  /** The scheme's signature headers that the credential pattern does not already keep out. */
  readonly #signatureHeaders: string[] | undefined;

  constructor(options: AcceptOptions) {
    this.#options = options;
    this.#signatureHeaders = unnamedCredentials(options.scheme.signatureHeaders);
  }

  accept(request: ReceiverRequest, progress: Progress): MaybePromise<Accepted> {
    const { scheme } = this.#options;
    const body = this.#readBody(request);
    // The kept record (no credentials) is made in the same pass; it goes on only once verified.
    const headers = readHeaders(request.headers, this.#signatureHeaders);
    const received: SchemeRequest = { method: request.method, url: request.url ?? '/', headers: headers.all, body };
    const { kept } = headers;
    // The one request a sender makes unsigned (Slack's ssl_check): answered, nothing run, nothing claimed.
    const unsigned = scheme.answerUnsigned?.(received);
    if (unsigned) return { kind: 'handshake', response: unsigned };
    const receivedAt = this.#options.now();
    // Straight through while every step answers at once (node:crypto schemes, sync schemas);
    // the first promise hands the rest to #acceptAsync, which awaits each step.
    // The tests of `then` are written out (see Thenable): these run for every delivery.
    const verifying = scheme.verify(received);
    if (typeof (verifying as Thenable)?.then === 'function') {
      return this.#acceptAsync(received, kept, receivedAt, progress, verifying);
    }
    const verified = verifying as Resolved<typeof verifying>;
    this.#checkWindow(verified, receivedAt, progress);
    const payload = this.#parse(received);
    if (typeof (payload as Thenable)?.then === 'function') {
      return this.#acceptAsync(received, kept, receivedAt, progress, verified, payload);
    }
    const handshake = scheme.respond?.(payload, received);
    if (isThenable(handshake)) {
      return this.#acceptAsync(received, kept, receivedAt, progress, verified, payload, handshake);
    }
    if (handshake) return { kind: 'handshake', response: handshake };
    const describing = scheme.describe(payload, received, verified);
    if (typeof (describing as Thenable)?.then === 'function') {
      return this.#acceptAsync(received, kept, receivedAt, progress, verified, payload, undefined, describing);
    }
    return this.#validate(
      payload,
      received,
      kept,
      verified,
      describing as Resolved<typeof describing>,
      receivedAt,
      progress,
    );
  }

  /** The same steps as `accept`, from the first one that answered with a promise. */
  async #acceptAsync(
    received: SchemeRequest,
    kept: Record<string, string>,
    receivedAt: number,
    progress: Progress,
    verifying: MaybePromise<VerifiedSignature>,
    parsing?: unknown,
    responding?: MaybePromise<ReceiverResponse | undefined>,
    describing?: MaybePromise<DeliveryInfo>,
  ): Promise<Accepted> {
    const { scheme } = this.#options;
    const verifiedNow = progress.verified;
    const verified = await verifying;
    if (!verifiedNow) this.#checkWindow(verified, receivedAt, progress);
    const payload = await (parsing ?? this.#parse(received));
    if (describing === undefined) {
      const handshake = await (responding ?? scheme.respond?.(payload, received));
      if (handshake) return { kind: 'handshake', response: handshake };
    }
    const info = await (describing ?? scheme.describe(payload, received, verified));
    return this.#validate(payload, received, kept, verified, info, receivedAt, progress);
  }

  #checkWindow(verified: VerifiedSignature, receivedAt: number, progress: Progress): void {
    if (verified.timestamp !== undefined) checkWindow(verified.timestamp, receivedAt, this.#options.window);
    progress.verified = true;
  }

  /** Method and size: the raw body, when both are right. */
  #readBody(request: ReceiverRequest): Bytes {
    if (request.method.toUpperCase() !== 'POST') {
      throw rejection('method_not_allowed', 'Webhooks are delivered with POST');
    }
    const body = toBuffer(request.body);
    if (body.length > this.#options.maxBodyBytes) {
      throw rejection('payload_too_large', `The body is larger than ${this.#options.maxBodyBytes} bytes`);
    }
    return body;
  }

  #parse(request: SchemeRequest): unknown {
    const { scheme } = this.#options;
    return scheme.parse ? scheme.parse(request) : parseJsonBody(request.body);
  }

  #validate(
    payload: unknown,
    request: SchemeRequest,
    headers: Record<string, string>,
    verified: VerifiedSignature,
    info: DeliveryInfo,
    receivedAt: number,
    progress: Progress,
  ): MaybePromise<Accepted> {
    // The scheme has done with the credentials: nothing after it keeps them (`headers` has none).
    const ctx: DeliveryContext = {
      scheme: this.#options.scheme.name,
      id: info.id,
      dedupeKey: undefined,
      orderingKey: undefined,
      sequence: undefined,
      gap: false,
      replay: false,
      type: info.type,
      timestamp: verified.timestamp,
      retryNum: info.retryNum,
      retryReason: info.retryReason,
      secretLabel: verified.secretLabel,
      headers,
      rawBody: request.body,
    };
    progress.ctx = ctx;
    const schema = info.type === undefined ? undefined : this.#options.schemas[info.type];
    if (schema === undefined) return this.#deliver(payload, payload, ctx, receivedAt, undefined);
    let validated: unknown;
    try {
      validated = validate(schema, info.type ?? '', payload);
    } catch (error) {
      return this.#rejected(error, payload, ctx, receivedAt);
    }
    if (!isThenable(validated)) return this.#deliver(payload, validated, ctx, receivedAt, undefined);
    return Promise.resolve(validated).then(
      (event) => this.#deliver(payload, event, ctx, receivedAt, undefined),
      (error: unknown) => this.#rejected(error, payload, ctx, receivedAt),
    );
  }

  /**
   * An event that failed its schema is answered 400 at once, unless it holds a place
   * in a strict sequence: then it goes on, so its successors do not wait for it forever.
   */
  #rejected(error: unknown, payload: unknown, ctx: DeliveryContext, receivedAt: number): Delivery {
    if (!(error instanceof SchemaMismatchError) || this.#options.order?.sequencer.mode !== 'strict') throw error;
    const delivery = this.#deliver(payload, payload, ctx, receivedAt, error);
    if (delivery.envelope.orderingKey === undefined) throw error;
    return delivery;
  }

  #deliver(
    payload: unknown,
    event: unknown,
    ctx: DeliveryContext,
    receivedAt: number,
    rejected: HookgateError | undefined,
  ): Delivery {
    const unvalidated = rejected !== undefined;
    const dedupeKey = this.#options.dedupe?.keyFor(event, ctx, unvalidated);
    const position = this.#position(event, ctx, unvalidated);
    const envelope: Envelope = {
      version: ENVELOPE_VERSION,
      scheme: ctx.scheme,
      id: ctx.id,
      type: ctx.type,
      timestamp: ctx.timestamp,
      receivedAt,
      body: ctx.rawBody,
      payload,
      headers: ctx.headers,
      dedupeKey,
      orderingKey: position?.key,
      sequence: position?.sequence,
      retryNum: ctx.retryNum,
      retryReason: ctx.retryReason,
      secretLabel: ctx.secretLabel,
      rejection: rejected && { code: rejected.code, message: rejected.message },
      trace: undefined,
    };
    return { kind: 'delivery', envelope, event, ctx, rejected };
  }

  /** Where an event stands in its key's sequence, or undefined when it is not ordered. */
  #position(event: unknown, ctx: DeliveryContext, unvalidated: boolean) {
    const order = this.#options.order;
    if (!order) return undefined;
    if (order.typedOnly && (ctx.type === undefined || this.#options.schemas[ctx.type] === undefined)) return undefined;
    let key: string | number | undefined;
    let sequence: number | undefined;
    try {
      key = order.key(event, ctx);
      sequence = order.sequence(event, ctx);
    } catch (error) {
      // An event that failed its schema may not have the shape key/sequence expect.
      if (unvalidated) return undefined;
      throw error;
    }
    if (key === undefined || sequence === undefined) return undefined;
    if (unvalidated && !order.sequencer.isValidSequence(sequence)) return undefined;
    order.sequencer.checkSequence(sequence);
    return { key: String(key), sequence };
  }
}

/** The handler context an envelope gives, before dedupe and ordering add theirs. */
export function deliveryContextOf(envelope: Envelope, replay = false): DeliveryContext {
  return {
    scheme: envelope.scheme,
    id: envelope.id,
    dedupeKey: undefined,
    orderingKey: undefined,
    sequence: undefined,
    gap: false,
    replay: replay || envelope.replay === true,
    type: envelope.type,
    timestamp: envelope.timestamp,
    retryNum: envelope.retryNum,
    retryReason: envelope.retryReason,
    secretLabel: envelope.secretLabel,
    headers: envelope.headers,
    rawBody: envelope.body,
  };
}

/**
 * A delivery rebuilt from an envelope (a queued job, a replay): the process stage
 * trusts it and never re-verifies; the payload is validated again to give handlers
 * the schema's output (which JSON need not preserve: dates, transforms).
 */
export function deliveryFromEnvelope(
  envelope: Envelope,
  schemas: Partial<Record<string, StandardSchemaV1>>,
  replay: boolean,
): MaybePromise<Delivery> {
  const ctx = deliveryContextOf(envelope, replay);
  const rejectedBefore = envelope.rejection && new HookgateError(envelope.rejection.code, envelope.rejection.message);
  const schema = envelope.type === undefined ? undefined : schemas[envelope.type];
  if (schema === undefined || rejectedBefore) {
    return { kind: 'delivery', envelope, event: envelope.payload, ctx, rejected: rejectedBefore };
  }
  const delivered = (event: unknown): Delivery => ({ kind: 'delivery', envelope, event, ctx, rejected: undefined });
  const failed = (error: unknown): Delivery => {
    if (!(error instanceof SchemaMismatchError)) throw error;
    return { kind: 'delivery', envelope, event: envelope.payload, ctx, rejected: error };
  };
  try {
    const validated = validate(schema, envelope.type ?? '', envelope.payload);
    return isThenable(validated) ? Promise.resolve(validated).then(delivered, failed) : delivered(validated);
  } catch (error) {
    return failed(error);
  }
}

export type { EventSchemas };

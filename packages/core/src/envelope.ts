import { bytesView, fromBase64, toBase64 } from './bytes.js';
import { ERRORS, HookgateError, type HookgateErrorCode } from './errors.js';
import { keepHeaders } from './headers.js';
import type { Bytes } from './types.js';

/**
 * The verified delivery between the two stages: what the accept stage learned
 * from the request, and all the process stage needs. Plain data: it survives
 * JSON (see `envelopeToJSON`), so a worker in another process can run the
 * process stage on it. It is verified once, at accept, and trusted after.
 */
export interface Envelope {
  readonly version: typeof ENVELOPE_VERSION;
  /** The scheme's name, e.g. `stripe`. */
  readonly scheme: string;
  /** The delivery id, when the sender gives one. */
  readonly id: string | undefined;
  readonly type: string | undefined;
  /** The signed send time in seconds, when the scheme signs one. */
  readonly timestamp: number | undefined;
  /** When the request arrived, in milliseconds since the epoch. */
  readonly receivedAt: number;
  /** The exact bytes that were verified. */
  readonly body: Bytes;
  /** The parsed body, before schema validation. */
  readonly payload: unknown;
  /** Lower-cased request headers, without credentials or signatures (see `keepHeaders`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The dedupe key, or undefined when dedupe does not apply. */
  readonly dedupeKey: string | undefined;
  /** The ordering key and sequence, when ordering applies to this event. */
  readonly orderingKey: string | undefined;
  readonly sequence: number | undefined;
  readonly retryNum: number | undefined;
  readonly retryReason: string | undefined;
  /** The label of the secret that verified the signature (never the secret). */
  readonly secretLabel: string | undefined;
  /**
   * Set when the event failed its schema but still holds a place in a strict
   * sequence: the process stage moves the cursor past it in its turn, then answers this.
   */
  readonly rejection: { readonly code: HookgateErrorCode; readonly message: string } | undefined;
  /** Trace context (W3C `traceparent`, `tracestate`) to continue across a queue. */
  readonly trace: Readonly<Record<string, string>> | undefined;
  /** Set on a replay queued for a worker (`receiver.replay` in durable mode): handlers see `ctx.replay`. */
  readonly replay?: boolean | undefined;
}

export const ENVELOPE_VERSION = 1;

/** An envelope as JSON: the body as base64, absent fields left out. */
export interface EnvelopeJSON {
  v: typeof ENVELOPE_VERSION;
  scheme: string;
  id?: string;
  type?: string;
  timestamp?: number;
  receivedAt: number;
  body: string;
  payload?: unknown;
  headers: Record<string, string>;
  dedupeKey?: string;
  orderingKey?: string;
  sequence?: number;
  retryNum?: number;
  retryReason?: string;
  secretLabel?: string;
  rejection?: { code: HookgateErrorCode; message: string };
  trace?: Record<string, string>;
  replay?: true;
}

export function envelopeToJSON(envelope: Envelope): EnvelopeJSON {
  const json: EnvelopeJSON = {
    v: envelope.version,
    scheme: envelope.scheme,
    receivedAt: envelope.receivedAt,
    body: toBase64(envelope.body),
    headers: { ...envelope.headers },
  };
  if (envelope.payload !== undefined) json.payload = envelope.payload;
  if (envelope.id !== undefined) json.id = envelope.id;
  if (envelope.type !== undefined) json.type = envelope.type;
  if (envelope.timestamp !== undefined) json.timestamp = envelope.timestamp;
  if (envelope.dedupeKey !== undefined) json.dedupeKey = envelope.dedupeKey;
  if (envelope.orderingKey !== undefined) json.orderingKey = envelope.orderingKey;
  if (envelope.sequence !== undefined) json.sequence = envelope.sequence;
  if (envelope.retryNum !== undefined) json.retryNum = envelope.retryNum;
  if (envelope.retryReason !== undefined) json.retryReason = envelope.retryReason;
  if (envelope.secretLabel !== undefined) json.secretLabel = envelope.secretLabel;
  if (envelope.rejection !== undefined) json.rejection = { ...envelope.rejection };
  if (envelope.trace !== undefined) json.trace = { ...envelope.trace };
  if (envelope.replay === true) json.replay = true;
  return json;
}

function invalid(reason: string): HookgateError {
  return new HookgateError('invalid_envelope', `Not a hookgate envelope: ${reason}`);
}

function optional<T>(value: unknown, check: (value: unknown) => value is T, field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw invalid(`${field} has the wrong type`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((entry) => typeof entry === 'string');
const isRejection = (value: unknown): value is { code: HookgateErrorCode; message: string } =>
  typeof value === 'object' &&
  value !== null &&
  isString((value as { message?: unknown }).message) &&
  Object.hasOwn(ERRORS, (value as { code?: unknown }).code as string);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An envelope back from JSON (a string or the parsed object). Throws a
 * HookgateError `invalid_envelope` that says what is wrong, for anything that
 * is not an envelope of a version this copy of hookgate understands.
 */
export function envelopeFromJSON(input: unknown): Envelope {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch {
      throw invalid('not JSON');
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('not an object');
  const json = data as Partial<Record<keyof EnvelopeJSON, unknown>>;
  if (json.v !== ENVELOPE_VERSION) throw invalid(`unknown version ${JSON.stringify(json.v) ?? 'undefined'}`);
  if (!isString(json.scheme) || json.scheme === '') throw invalid('scheme is missing');
  if (!isNumber(json.receivedAt)) throw invalid('receivedAt is missing');
  const body = isString(json.body) && json.body.length % 4 === 0 && BASE64.test(json.body) && fromBase64(json.body);
  if (!body) throw invalid('body is not base64');
  if (!isStringRecord(json.headers)) throw invalid('headers are not a record of strings');
  return {
    version: ENVELOPE_VERSION,
    scheme: json.scheme,
    id: optional(json.id, isString, 'id'),
    type: optional(json.type, isString, 'type'),
    timestamp: optional(json.timestamp, isNumber, 'timestamp'),
    receivedAt: json.receivedAt,
    body: bytesView(body),
    payload: json.payload,
    headers: keepHeaders(json.headers),
    dedupeKey: optional(json.dedupeKey, isString, 'dedupeKey'),
    orderingKey: optional(json.orderingKey, isString, 'orderingKey'),
    sequence: optional(json.sequence, isNumber, 'sequence'),
    retryNum: optional(json.retryNum, isNumber, 'retryNum'),
    retryReason: optional(json.retryReason, isString, 'retryReason'),
    secretLabel: optional(json.secretLabel, isString, 'secretLabel'),
    rejection: optional(json.rejection, isRejection, 'rejection'),
    trace: optional(json.trace, isStringRecord, 'trace'),
    ...(json.replay === true ? { replay: true } : {}),
  };
}

import { bytesView, fromBase64 } from '../bytes.js';
import { ERRORS, HookgateError, type HookgateErrorCode } from '../errors.js';
import type { DeliveryOutcome, MaybePromise } from '../types.js';

/**
 * One delivery as the log keeps it: metadata always; with capture, the bytes
 * and allow-listed headers too. Never a secret, a signature or a credential header.
 */
export interface LogEntry {
  /** The entry's key in the log: time-ordered (sorts as `receivedAt`), unique. */
  readonly key: string;
  /** When the request arrived, in milliseconds since the epoch. */
  readonly receivedAt: number;
  readonly scheme: string;
  /** The sender's delivery id, when it gives one. */
  readonly id: string | undefined;
  readonly type: string | undefined;
  /** The dedupe key, when dedupe applied. */
  readonly dedupeKey: string | undefined;
  readonly orderingKey: string | undefined;
  readonly sequence: number | undefined;
  readonly outcome: DeliveryOutcome;
  /** The HTTP status it was answered with (or would have been, for a replay or a queued job). */
  readonly status: number;
  readonly code: HookgateErrorCode | undefined;
  /** Whether the signature verified. */
  readonly verified: boolean;
  /** The label of the secret that verified (never the secret). */
  readonly secretLabel: string | undefined;
  /** How many times this dedupe key has been logged within the log's retention, this one included. */
  readonly attempts: number | undefined;
  readonly durationMs: number;
  readonly handlerMs: number | undefined;
  /** Set on a replay's own entry: the key of the entry it ran again. */
  readonly replayOf: string | undefined;
  /** Whether the entry holds a capture (`get` returns it; `list` leaves it out). */
  readonly captured: boolean;
  readonly capture?: LogCapture | undefined;
}

/** What opt-in capture adds to an entry. */
export interface LogCapture {
  /** The exact bytes received, up to the capture limit. */
  readonly body: Buffer;
  /** The body's full size; larger than `body.length` when it was cut. */
  readonly bodyBytes: number;
  /** Allow-listed request headers (lower-case names); never authorization, cookie or a signature. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * What the process stage needs to run it again, when it got that far: absent for a
   * delivery refused before it (a schema mismatch), which can be inspected but not replayed.
   */
  readonly envelope: CapturedEnvelope | undefined;
}

/** The envelope fields a replay needs besides the entry's metadata and the bytes. */
export interface CapturedEnvelope {
  readonly timestamp: number | undefined;
  readonly retryNum: number | undefined;
  readonly retryReason: string | undefined;
  readonly rejection: { readonly code: HookgateErrorCode; readonly message: string } | undefined;
}

/** Which entries to list. Every filter is optional; entries come newest first. */
export interface LogQuery {
  /** One outcome or several. */
  outcome?: DeliveryOutcome | readonly DeliveryOutcome[] | undefined;
  scheme?: string | undefined;
  type?: string | undefined;
  /** The sender's delivery id. */
  id?: string | undefined;
  dedupeKey?: string | undefined;
  /** Received at or after, in ms since the epoch. */
  since?: number | undefined;
  /** Received at or before, in ms since the epoch. */
  until?: number | undefined;
  /** Entries per page. Default 50, at most 1,000. */
  limit?: number | undefined;
  /** From a previous page: continue with the entries older than it. */
  cursor?: string | undefined;
}

export interface LogPage {
  /** Newest first, without their captures (`captured` says whether `get` has one). */
  entries: LogEntry[];
  /** Pass it back for the next (older) page; undefined on the last page. */
  cursor: string | undefined;
}

/**
 * Where delivery entries are kept. `append` is called once per delivery, off the
 * answer's path: its failure is reported to onError and never changes the answer.
 * `runDeliveryLogConformance` in `@hookgate/core/testing` proves a log keeps the contract.
 */
export interface DeliveryLog {
  /** Stores one entry; the log fills in `attempts` (undefined for an entry without a dedupe key). */
  append(entry: LogEntry): MaybePromise<void>;
  /** Entries newest first, filtered, a page at a time. */
  list(query?: LogQuery): MaybePromise<LogPage>;
  /** One entry with its capture, or undefined when unknown or past retention. */
  get(key: string): MaybePromise<LogEntry | undefined>;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1_000;

/** Width of the time part of a key: base36 milliseconds, enough until the year 5138. */
const TIME_WIDTH = 9;
const KEY_PATTERN = /^[0-9a-z]{9}-[0-9a-f]{12}$/;

/** Counts keys made in this process, so keys of one millisecond sort in the order they were made. */
let keySerial = 0;

/** A fresh entry key for a delivery received at `receivedAt`: `<base36 time>-<serial><random>`. */
export function newEntryKey(receivedAt: number): string {
  const random = new Uint8Array(4);
  globalThis.crypto.getRandomValues(random);
  keySerial = (keySerial + 1) & 0xffff;
  let hex = keySerial.toString(16).padStart(4, '0');
  for (const byte of random) hex += byte.toString(16).padStart(2, '0');
  return `${timePart(receivedAt)}-${hex}`;
}

/** The time part of a key: keys sort as their times. */
export function timePart(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(36).padStart(TIME_WIDTH, '0');
}

export function isEntryKey(value: unknown): value is string {
  return typeof value === 'string' && KEY_PATTERN.test(value);
}

function invalidQuery(message: string): HookgateError {
  return new HookgateError('invalid_log_query', message);
}

/** Every outcome, checked against DeliveryOutcome: a new outcome fails to compile until it is listed here. */
const OUTCOME_NAMES: Record<DeliveryOutcome, true> = {
  processed: true,
  queued: true,
  unhandled: true,
  duplicate: true,
  stale: true,
  challenge: true,
  rejected: true,
  'in-flight': true,
  failed: true,
  unavailable: true,
};
const OUTCOMES: ReadonlySet<string> = new Set(Object.keys(OUTCOME_NAMES));

export function isOutcome(value: unknown): value is DeliveryOutcome {
  return typeof value === 'string' && OUTCOMES.has(value);
}

/** A query checked and completed: a bad limit, cursor or outcome is a 400, never a surprise. */
export interface ResolvedQuery {
  outcomes: ReadonlySet<DeliveryOutcome> | undefined;
  limit: number;
  /** Entries older than this key (exclusive), or undefined for the newest. */
  before: string | undefined;
  /** Entries with keys at or after this (from `since`). */
  from: string | undefined;
  query: LogQuery;
}

export function resolveQuery(query: LogQuery = {}): ResolvedQuery {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalidQuery(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  if (query.cursor !== undefined && !isEntryKey(query.cursor)) throw invalidQuery('cursor is not a log cursor');
  for (const bound of ['since', 'until'] as const) {
    const value = query[bound];
    if (value !== undefined && !Number.isFinite(value)) throw invalidQuery(`${bound} must be a time in ms`);
  }
  let outcomes: Set<DeliveryOutcome> | undefined;
  if (query.outcome !== undefined) {
    const list = typeof query.outcome === 'string' ? [query.outcome] : query.outcome;
    for (const outcome of list) {
      if (!isOutcome(outcome)) throw invalidQuery(`outcome must be one of ${[...OUTCOMES].join(', ')}`);
    }
    outcomes = new Set(list);
  }
  // `until` is inclusive: every key of that millisecond sorts below `<time>.` ('.' follows '-').
  const untilBound = query.until === undefined ? undefined : `${timePart(query.until)}.`;
  const before =
    query.cursor === undefined
      ? untilBound
      : untilBound === undefined || query.cursor < untilBound
        ? query.cursor
        : untilBound;
  return {
    outcomes,
    limit,
    before,
    from: query.since === undefined ? undefined : timePart(query.since),
    query,
  };
}

/** Whether an entry passes the query's filters (its key range is checked by the caller). */
export function matchesQuery(entry: LogEntry, resolved: ResolvedQuery): boolean {
  const { query, outcomes } = resolved;
  if (outcomes !== undefined && !outcomes.has(entry.outcome)) return false;
  if (query.scheme !== undefined && entry.scheme !== query.scheme) return false;
  if (query.type !== undefined && entry.type !== query.type) return false;
  if (query.id !== undefined && entry.id !== query.id) return false;
  if (query.dedupeKey !== undefined && entry.dedupeKey !== query.dedupeKey) return false;
  if (query.since !== undefined && entry.receivedAt < query.since) return false;
  if (query.until !== undefined && entry.receivedAt > query.until) return false;
  return true;
}

/** An entry as JSON text (for logs that store text, like Redis): metadata, and the capture apart. */
export interface LogEntryJSON {
  key: string;
  receivedAt: number;
  scheme: string;
  id?: string;
  type?: string;
  dedupeKey?: string;
  orderingKey?: string;
  sequence?: number;
  outcome: DeliveryOutcome;
  status: number;
  code?: HookgateErrorCode;
  verified: boolean;
  secretLabel?: string;
  attempts?: number;
  durationMs: number;
  handlerMs?: number;
  replayOf?: string;
  captured: boolean;
}

export interface LogCaptureJSON {
  /** base64 */
  body: string;
  bodyBytes: number;
  headers: Record<string, string>;
  envelope?: {
    timestamp?: number;
    retryNum?: number;
    retryReason?: string;
    rejection?: { code: HookgateErrorCode; message: string };
  };
}

/** The entry's metadata as JSON (no capture: see `captureToJSON`). */
export function entryToJSON(entry: LogEntry): LogEntryJSON {
  const json: LogEntryJSON = {
    key: entry.key,
    receivedAt: entry.receivedAt,
    scheme: entry.scheme,
    outcome: entry.outcome,
    status: entry.status,
    verified: entry.verified,
    durationMs: entry.durationMs,
    captured: entry.captured,
  };
  if (entry.id !== undefined) json.id = entry.id;
  if (entry.type !== undefined) json.type = entry.type;
  if (entry.dedupeKey !== undefined) json.dedupeKey = entry.dedupeKey;
  if (entry.orderingKey !== undefined) json.orderingKey = entry.orderingKey;
  if (entry.sequence !== undefined) json.sequence = entry.sequence;
  if (entry.code !== undefined) json.code = entry.code;
  if (entry.secretLabel !== undefined) json.secretLabel = entry.secretLabel;
  if (entry.attempts !== undefined) json.attempts = entry.attempts;
  if (entry.handlerMs !== undefined) json.handlerMs = entry.handlerMs;
  if (entry.replayOf !== undefined) json.replayOf = entry.replayOf;
  return json;
}

export function captureToJSON(capture: LogCapture): LogCaptureJSON {
  const json: LogCaptureJSON = {
    body: capture.body.toString('base64'),
    bodyBytes: capture.bodyBytes,
    headers: { ...capture.headers },
  };
  if (capture.envelope) {
    const { timestamp, retryNum, retryReason, rejection } = capture.envelope;
    const envelope: NonNullable<LogCaptureJSON['envelope']> = {};
    if (timestamp !== undefined) envelope.timestamp = timestamp;
    if (retryNum !== undefined) envelope.retryNum = retryNum;
    if (retryReason !== undefined) envelope.retryReason = retryReason;
    if (rejection !== undefined) envelope.rejection = { ...rejection };
    json.envelope = envelope;
  }
  return json;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const code = (value: unknown): HookgateErrorCode | undefined =>
  typeof value === 'string' && Object.hasOwn(ERRORS, value) ? (value as HookgateErrorCode) : undefined;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An entry back from its JSON (text or parsed), or undefined when it is not one. */
export function entryFromJSON(input: unknown, captureInput?: unknown): LogEntry | undefined {
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  const json = record(data);
  if (!json || !isEntryKey(json.key) || !isOutcome(json.outcome)) return undefined;
  const receivedAt = num(json.receivedAt);
  const status = num(json.status);
  const scheme = str(json.scheme);
  if (receivedAt === undefined || status === undefined || scheme === undefined) return undefined;
  const capture = captureInput === undefined || captureInput === null ? undefined : captureFromJSON(captureInput);
  return {
    key: json.key,
    receivedAt,
    scheme,
    id: str(json.id),
    type: str(json.type),
    dedupeKey: str(json.dedupeKey),
    orderingKey: str(json.orderingKey),
    sequence: num(json.sequence),
    outcome: json.outcome,
    status,
    code: code(json.code),
    verified: json.verified === true,
    secretLabel: str(json.secretLabel),
    attempts: num(json.attempts),
    durationMs: num(json.durationMs) ?? 0,
    handlerMs: num(json.handlerMs),
    replayOf: str(json.replayOf),
    captured: json.captured === true,
    capture,
  };
}

function captureFromJSON(input: unknown): LogCapture | undefined {
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  const json = record(data);
  const headers = record(json?.headers);
  if (!json || typeof json.body !== 'string' || !headers) return undefined;
  const decoded = fromBase64(json.body);
  if (!decoded) return undefined;
  const body = bytesView(decoded);
  const envelope = record(json.envelope);
  const rejection = record(envelope?.rejection);
  const rejectionCode = code(rejection?.code);
  return {
    body,
    bodyBytes: num(json.bodyBytes) ?? body.length,
    headers: Object.fromEntries(
      Object.entries(headers).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
    ),
    envelope: envelope && {
      timestamp: num(envelope.timestamp),
      retryNum: num(envelope.retryNum),
      retryReason: str(envelope.retryReason),
      rejection:
        rejectionCode && typeof rejection?.message === 'string'
          ? { code: rejectionCode, message: rejection.message }
          : undefined,
    },
  };
}

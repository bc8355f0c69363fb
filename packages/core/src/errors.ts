import type { DeliveryOutcome } from './types.js';

/**
 * Every failure hookgate reports is a HookgateError with a stable `code`.
 * One table gives each code its HTTP status and the delivery outcome it
 * records, so the status contract in DESIGN.md reads (and is tested) in one place.
 */
export const ERRORS = {
  // The request itself
  method_not_allowed: { status: 405, outcome: 'rejected' },
  payload_too_large: { status: 413, outcome: 'rejected' },
  body_timeout: { status: 408, outcome: 'rejected' },
  // Signature and replay window: the sender should stop (or alert)
  missing_header: { status: 401, outcome: 'rejected' },
  malformed_header: { status: 401, outcome: 'rejected' },
  invalid_signature: { status: 401, outcome: 'rejected' },
  timestamp_outside_window: { status: 401, outcome: 'rejected' },
  // Body: verified, but unusable
  invalid_json: { status: 400, outcome: 'rejected' },
  invalid_body: { status: 400, outcome: 'rejected' },
  schema_mismatch: { status: 400, outcome: 'rejected' },
  // Transient: the sender should retry
  delivery_in_flight: { status: 409, outcome: 'in-flight' },
  store_unavailable: { status: 503, outcome: 'unavailable' },
  queue_unavailable: { status: 503, outcome: 'unavailable' },
  ordering_gap: { status: 503, outcome: 'unavailable' },
  ordering_capacity: { status: 503, outcome: 'unavailable' },
  handler_failed: { status: 500, outcome: 'failed' },
  internal_error: { status: 500, outcome: 'failed' },
  // Mistakes in how hookgate is set up or mounted
  invalid_configuration: { status: 500, outcome: 'failed' },
  body_already_parsed: { status: 500, outcome: 'failed' },
  // Reported to onError, never an answer on their own
  unhandled_event: { status: 200, outcome: 'unhandled' },
  lease_lost: { status: 500, outcome: 'failed' },
  invalid_envelope: { status: 500, outcome: 'failed' },
  worker_lost: { status: 500, outcome: 'failed' },
  // The delivery log and replay (never the answer to a sender)
  log_unavailable: { status: 503, outcome: 'unavailable' },
  log_entry_not_found: { status: 404, outcome: 'rejected' },
  not_replayable: { status: 422, outcome: 'rejected' },
  invalid_log_query: { status: 400, outcome: 'rejected' },
} as const satisfies Record<string, { status: number; outcome: DeliveryOutcome }>;

export type HookgateErrorCode = keyof typeof ERRORS;

/** The HTTP status of every code (the `status` column of ERRORS). */
export const ERROR_STATUS = Object.freeze(
  Object.fromEntries(Object.entries(ERRORS).map(([code, { status }]) => [code, status])),
) as { readonly [C in HookgateErrorCode]: (typeof ERRORS)[C]['status'] };

export interface HookgateErrorOptions {
  /** Seconds the sender should wait before retrying (sets Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * Marks a HookgateError across copies of this package in one process (the ESM
 * and the CJS build, or two installed versions): `instanceof` alone would turn
 * another copy's 401 into a 500, and the sender would retry a forgery.
 */
const BRAND = Symbol.for('hookgate.error');

export class HookgateError extends Error {
  override readonly name = 'HookgateError';
  readonly code: HookgateErrorCode;
  readonly status: number;
  readonly retryAfter: number | undefined;

  constructor(code: HookgateErrorCode, message: string, options: HookgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryAfter = options.retryAfter;
  }
}
Object.defineProperty(HookgateError.prototype, BRAND, { value: true });
// `error instanceof HookgateError` holds for an error of any copy of hookgate; a subclass keeps the usual test.
Object.defineProperty(HookgateError, Symbol.hasInstance, {
  value: function hasInstance(this: unknown, value: unknown): boolean {
    return this === HookgateError ? isHookgateError(value) : Function.prototype[Symbol.hasInstance].call(this, value);
  },
});

/** True for a HookgateError from this or any other copy of hookgate loaded in the process. */
export function isHookgateError(value: unknown): value is HookgateError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { [BRAND]?: unknown; status?: unknown; code?: unknown };
  return candidate[BRAND] === true && typeof candidate.status === 'number' && typeof candidate.code === 'string';
}

/** The error as hookgate reports it: itself when it is a HookgateError, else wrapped as internal_error. */
export function toHookgateError(error: unknown, message = 'The receiver failed unexpectedly'): HookgateError {
  return isHookgateError(error) ? error : new HookgateError('internal_error', message, { cause: error });
}

/** The outcome a failure is recorded as: from the table, or by status for a code this copy does not know. */
export function outcomeOf(error: HookgateError): DeliveryOutcome {
  const known = (ERRORS as Partial<Record<string, { outcome: DeliveryOutcome }>>)[error.code];
  if (known) return known.outcome;
  if (error.status === 409) return 'in-flight';
  if (error.status === 503) return 'unavailable';
  return error.status >= 500 ? 'failed' : 'rejected';
}

/**
 * Rejections of bad signatures are the hot path of a flood of forged
 * requests: build them without capturing a stack trace.
 */
export function rejection(code: HookgateErrorCode, message: string): HookgateError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new HookgateError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function configError(message: string): HookgateError {
  return new HookgateError('invalid_configuration', message);
}

/** A numeric option that must be a positive number; its default when absent. */
export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved <= 0) throw configError(`${name} must be a positive number`);
  return resolved;
}

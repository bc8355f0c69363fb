/**
 * Every failure hookgate reports is a HookgateError with a stable `code`.
 * The HTTP status for a code lives in one table, ERROR_STATUS, so the
 * status contract in DESIGN.md can be read (and tested) in one place.
 */
export const ERROR_STATUS = {
  // The request itself
  method_not_allowed: 405,
  payload_too_large: 413,
  // Signature and replay window: the sender should stop (or alert)
  missing_header: 401,
  malformed_header: 401,
  invalid_signature: 401,
  timestamp_outside_window: 401,
  // Body: verified, but unusable
  invalid_json: 400,
  invalid_body: 400,
  schema_mismatch: 400,
  // Transient: the sender should retry
  delivery_in_flight: 409,
  store_unavailable: 503,
  ordering_gap: 503,
  ordering_capacity: 503,
  handler_failed: 500,
  internal_error: 500,
  // Mistakes in how hookgate is set up or mounted
  invalid_configuration: 500,
  body_already_parsed: 500,
} as const satisfies Record<string, number>;

export type HookgateErrorCode = keyof typeof ERROR_STATUS;

export interface HookgateErrorOptions {
  /** Seconds the sender should wait before retrying (sets Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

export class HookgateError extends Error {
  override readonly name = 'HookgateError';
  readonly code: HookgateErrorCode;
  readonly status: number;
  readonly retryAfter: number | undefined;

  constructor(code: HookgateErrorCode, message: string, options: HookgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfter = options.retryAfter;
  }
}

export function isHookgateError(value: unknown): value is HookgateError {
  return value instanceof HookgateError;
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

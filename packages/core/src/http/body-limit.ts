import { concatBytes } from '../bytes.js';
import { HookgateError } from '../errors.js';
import type { Bytes } from '../types.js';

/** How long reading one body may take by default: far beyond any sender's, far below Node's 300 s request timeout. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

export interface BodyReadOptions {
  /**
   * Longest time, in ms, reading a request body may take, from the first read
   * to its last byte; a slower body (a sender dribbling bytes) is answered
   * 408 `body_timeout`. Default 30 000. `0` turns the bound off.
   */
  bodyTimeoutMs?: number | undefined;
}

export function payloadTooLarge(limit: number): HookgateError {
  return new HookgateError('payload_too_large', `The body is larger than ${limit} bytes`);
}

export function bodyIncomplete(cause?: unknown): HookgateError {
  return new HookgateError('invalid_body', 'The request ended before its body was complete', { cause });
}

export function bodyTimedOut(ms: number): HookgateError {
  return new HookgateError('body_timeout', `The body took longer than ${ms} ms to arrive`);
}

/** The body-read bound in ms (0: none), checked once when an adapter is made. */
export function bodyTimeoutOf(options: BodyReadOptions | undefined): number {
  const ms = options?.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new HookgateError('invalid_configuration', 'bodyTimeoutMs must be a number of milliseconds, 0 or more');
  }
  return ms;
}

/** Content-Length as a number; undefined when absent or unusable (the streaming check still applies). */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Rejects up front when the sender already says the body is too large. */
export function checkDeclaredLength(value: string | null | undefined, limit: number): void {
  // The pattern check only for a value over the limit: most requests are under it.
  if (value !== null && value !== undefined && Number(value) > limit && declaredLength(value) !== undefined) {
    throw payloadTooLarge(limit);
  }
}

/** Collects chunks until the limit is passed; never holds more than `limit` bytes. */
export class BoundedBuffer {
  readonly #chunks: Uint8Array[] = [];
  #received = 0;

  constructor(readonly limit: number) {}

  /** Adds a chunk; throws payload_too_large as soon as the total passes the limit. */
  push(chunk: Uint8Array): void {
    this.#received += chunk.byteLength;
    if (this.#received > this.limit) throw payloadTooLarge(this.limit);
    this.#chunks.push(chunk);
  }

  toBuffer(): Bytes {
    return concatBytes(this.#chunks, this.#received);
  }
}

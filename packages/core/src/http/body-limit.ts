import { concatBytes } from '../bytes.js';
import { HookgateError } from '../errors.js';
import type { Bytes } from '../types.js';

export function payloadTooLarge(limit: number): HookgateError {
  return new HookgateError('payload_too_large', `The body is larger than ${limit} bytes`);
}

export function bodyIncomplete(cause?: unknown): HookgateError {
  return new HookgateError('invalid_body', 'The request ended before its body was complete', { cause });
}

/** Content-Length as a number; undefined when absent or unusable (the streaming check still applies). */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Rejects up front when the sender already says the body is too large. */
export function checkDeclaredLength(value: string | null | undefined, limit: number): void {
  const declared = declaredLength(value);
  if (declared !== undefined && declared > limit) throw payloadTooLarge(limit);
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

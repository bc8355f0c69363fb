import { bytesView, utf8Encode } from '../bytes.js';
import { HookgateError } from '../errors.js';
import type { Bytes } from '../types.js';

export interface ParsedBodyInput {
  /** Raw bytes an earlier parser kept, e.g. `req.rawBody` saved by a `verify` hook. */
  rawBody?: unknown;
  /** What an earlier parser left behind, e.g. `req.body`. */
  body?: unknown;
  /** Whether the request stream has already been read by someone else. */
  consumed: boolean;
  /** How to mount the middleware correctly; ends the error message. */
  mountHint: string;
}

function asBytes(value: unknown): Bytes | undefined {
  if (value instanceof Uint8Array) return bytesView(value);
  if (typeof value === 'string') return utf8Encode(value);
  return undefined;
}

/**
 * What a body parser that ran before us left: the raw bytes (a Buffer, or
 * text, which is taken as its UTF-8 bytes), or undefined when nobody read the
 * stream and the adapter should read it itself. A parsed object without its
 * raw bytes is a mounting mistake: re-encoding it would change the bytes and
 * call a good signature bad, so it is reported as `body_already_parsed`.
 */
export function rawBodyFromParser(input: ParsedBodyInput): Bytes | undefined {
  const kept = asBytes(input.rawBody) ?? asBytes(input.body);
  if (kept !== undefined) return kept;
  if (!input.consumed) return undefined;
  throw new HookgateError(
    'body_already_parsed',
    `The request body was already parsed by another middleware and its raw bytes were not kept, so its signature cannot be checked. ${input.mountHint}`,
  );
}

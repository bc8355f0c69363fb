import { bytesView, utf8Decode, utf8Encode } from './bytes.js';
import { rejection } from './errors.js';
import type { Bytes, ReceiverRequest } from './types.js';

/** The raw bytes, without copying when they already are bytes (a Buffer where the runtime has one). */
export function toBuffer(body: ReceiverRequest['body']): Bytes {
  if (body instanceof Uint8Array) return bytesView(body);
  if (typeof body === 'string') return utf8Encode(body);
  if (body instanceof ArrayBuffer) return bytesView(new Uint8Array(body));
  throw new TypeError('hookgate: body must be a Buffer, Uint8Array, ArrayBuffer or string (the raw request bytes)');
}

export function parseJsonBody(body: Uint8Array): unknown {
  if (body.length === 0) throw rejection('invalid_json', 'The body is empty, not JSON');
  try {
    return JSON.parse(utf8Decode(body)) as unknown;
  } catch {
    throw rejection('invalid_json', 'The body is not valid JSON');
  }
}

/**
 * Bytes without depending on Node. Where a `Buffer` global exists (Node, Bun,
 * Deno 2, workerd with nodejs_compat) bodies are Buffers and Buffer does the
 * work, exactly as before; elsewhere (workerd, Vercel Edge, browsers) they are
 * plain Uint8Arrays and TextEncoder/TextDecoder and the code below do it.
 * Chosen once, when this module loads.
 */

import type { Bytes } from './types.js';

type NodeBufferClass = typeof Buffer;
const NodeBuffer: NodeBufferClass | undefined = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Where NodeBuffer is undefined, so is Buffer in the user's types, and Bytes is Uint8Array: the casts hold.
export function utf8Encode(text: string): Bytes {
  return NodeBuffer ? NodeBuffer.from(text, 'utf8') : (encoder.encode(text) as Bytes);
}

export function utf8Decode(bytes: Uint8Array): string {
  if (!NodeBuffer) return decoder.decode(bytes);
  // A body is a Buffer already on Node: decode it in place, with no view allocated per call.
  if (bytes instanceof NodeBuffer) return bytes.toString('utf8');
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function emptyBytes(): Bytes {
  return NodeBuffer ? NodeBuffer.alloc(0) : (new Uint8Array(0) as Bytes);
}

/** A view of the same memory: a Buffer where Buffer exists, so `rawBody.toString('utf8')` keeps working on Node. */
export function bytesView(bytes: Uint8Array): Bytes {
  if (!NodeBuffer) return bytes as Bytes;
  if (NodeBuffer.isBuffer(bytes)) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function concatBytes(chunks: readonly Uint8Array[], total?: number): Bytes {
  if (NodeBuffer) return NodeBuffer.concat(chunks, total);
  const out = new Uint8Array(total ?? chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk.subarray(0, out.length - offset), offset);
    offset += chunk.byteLength;
    if (offset >= out.length) break;
  }
  return out as Bytes;
}

/** Signed content in parts, as one byte string (one-shot APIs need it so). */
export function joinParts(parts: readonly (string | Uint8Array)[]): Uint8Array {
  if (parts.length === 1 && typeof parts[0] !== 'string' && parts[0] !== undefined) return parts[0];
  return concatBytes(parts.map((part) => (typeof part === 'string' ? utf8Encode(part) : part)));
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Map([...BASE64].map((char, index) => [char, index]));

export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let out = '';
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** Padded base64, or unpadded base64url. */
export function toBase64(bytes: Uint8Array, url = false): string {
  if (NodeBuffer) {
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(url ? 'base64url' : 'base64');
  }
  let out = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const n = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    out += `${BASE64[n >> 18]}${BASE64[(n >> 12) & 63]}${BASE64[(n >> 6) & 63]}${BASE64[n & 63]}`;
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const n = (bytes[index] ?? 0) << 16;
    out += `${BASE64[n >> 18]}${BASE64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8);
    out += `${BASE64[n >> 18]}${BASE64[(n >> 12) & 63]}${BASE64[(n >> 6) & 63]}=`;
  }
  return url ? out.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') : out;
}

const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes base64 (or base64url with `url`); padding optional, unused trailing
 * bits ignored, as Node's decoder does. Undefined when a character is outside
 * the alphabet. Callers wanting only canonical text re-encode and compare.
 */
export function fromBase64(text: string, url = false): Uint8Array | undefined {
  if (!(url ? BASE64URL_TEXT : BASE64_TEXT).test(text)) return undefined;
  if (NodeBuffer) return NodeBuffer.from(text, url ? 'base64url' : 'base64');
  const clean = (url ? text.replace(/-/g, '+').replace(/_/g, '/') : text).replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let offset = 0;
  for (const char of clean) {
    value = (value << 6) | (BASE64_VALUES.get(char) ?? 0);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[offset++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, offset);
}

/** Decodes hex; undefined unless it is an even number of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  if (NodeBuffer) return NodeBuffer.from(text, 'hex');
  const out = new Uint8Array(text.length / 2);
  for (let index = 0; index < out.length; index++)
    out[index] = Number.parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return out;
}

import { parseJsonBody } from '../body.js';
import { toHex, utf8Decode } from '../bytes.js';
import { digest, type MessagePart } from '../crypto/index.js';
import { rejection } from '../errors.js';
import type { Bytes, MaybePromise } from '../types.js';
import { andThen } from './secrets.js';

/** A dotted path into a parsed body, split once at construction: `data.object.id` → ['data', 'object', 'id']. */
export function compilePath(path: string, what: string, onError: (message: string) => Error): readonly string[] {
  const parts = path.split('.');
  if (path === '' || parts.some((part) => part === '')) throw onError(`${what} "${path}" is not a dotted path`);
  return parts;
}

export function valueAt(payload: unknown, path: readonly string[]): unknown {
  let value = payload;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A non-empty string at the path; a finite number is written out (ids such as Intercom's are numbers). */
export function textAt(payload: unknown, path: readonly string[]): string | undefined {
  const value = valueAt(payload, path);
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Whether signed bytes are JSON, judged by the bytes themselves and never by the
 * unsigned Content-Type: a form body never starts with `{` or `[`, and a JSON
 * event relabelled as a form must still parse as the JSON it is (its id included).
 */
export function isJsonText(body: Uint8Array): boolean {
  for (let index = 0; index < body.length; index++) {
    const byte = body[index];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** Form fields; a repeated name keeps its first value. */
export function parseForm(body: Uint8Array): Record<string, string> {
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(utf8Decode(body))) {
    if (!(name in form)) form[name] = value;
  }
  return form;
}

/** A form whose `payload` field holds the JSON event (GitHub's and Slack's interactivity form bodies). */
export function parseWrappedJson(body: Uint8Array, field = 'payload'): unknown {
  const wrapped = parseForm(body)[field];
  if (wrapped === undefined) {
    throw rejection('invalid_json', `The body is neither JSON nor a form with a ${field} field`);
  }
  try {
    return JSON.parse(wrapped) as unknown;
  } catch {
    throw rejection('invalid_json', `The ${field} field of the form body is not valid JSON`);
  }
}

/** JSON, or a form wrapping JSON in `payload`: told apart by the signed bytes. */
export function parseJsonOrWrapped(body: Bytes): unknown {
  return isJsonText(body) ? parseJsonBody(body) : parseWrappedJson(body);
}

/**
 * A delivery id for senders that give none: SHA-256 of the signed content, so a
 * redelivery of the same signed bytes is a duplicate and an altered one does not verify.
 */
export function contentId(parts: readonly MessagePart[]): MaybePromise<string> {
  return andThen(digest('sha256', parts), toHex);
}

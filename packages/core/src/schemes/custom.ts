import { parseJsonBody } from '../body.js';
import { fromBase64, fromHex, toBase64, toHex } from '../bytes.js';
import {
  type HmacAlgorithm,
  type HmacKey,
  type MessagePart,
  type PublicKey,
  type PublicKeyAlgorithm,
  type PublicKeyInput,
  publicKey,
  publicKeyVerifies,
  type SignatureEncoding,
} from '../crypto/index.js';
import { configError, rejection } from '../errors.js';
import type {
  MaybePromise,
  ReceiverResponse,
  RedeliveryProfile,
  Scheme,
  SchemeRequest,
  VerifiedSignature,
} from '../types.js';
import { compilePath, contentId, parseForm, textAt, valueAt } from './payload.js';
import {
  andThen,
  collectSecrets,
  hmacKeyring,
  hmacMatcher,
  Keyring,
  type SecretInput,
  type SecretMatch,
  type SecretOptions,
  verifiedBy,
} from './secrets.js';
import { headerNamed, requireHeader, throwingUnmatched } from './shared.js';

export type CustomAlgorithm =
  | 'hmac-sha1'
  | 'hmac-sha256'
  | 'hmac-sha384'
  | 'hmac-sha512'
  | 'ed25519'
  | 'ecdsa-p256-sha256'
  | 'rsa-sha256';

/** How a timestamp is written: seconds or milliseconds since the epoch, or ISO 8601 / RFC 3339 text. */
export type TimeFormat = 'seconds' | 'ms' | 'iso';

/** Where the signature is, and how the header holding it is laid out. */
export interface CustomSignature {
  /** The header holding the signature, e.g. `x-acme-signature`. */
  header: string;
  /** Text the header starts with, before the signature (or the list), e.g. `sha256=` or `v0=`. */
  prefix?: string;
  /**
   * Several signatures in the header, split by `separator`; with `prefix`, only the
   * entries that start with it count (Standard Webhooks: `{ separator: ' ', prefix: 'v1,' }`).
   */
  list?: { separator: string; prefix?: string };
  /**
   * A `key=value` list (Stripe's `t=…,v1=…`, Paddle's `ts=…;h1=…`): every value of
   * the `signature` key is a candidate. A timestamp in it is read with `timestamp: { pair }`.
   */
  pairs?: { separator: string; signature: string };
}

export type CustomTimestamp =
  /** A header, signed through `{timestamp}` in `signedContent`. */
  | { header: string; format?: TimeFormat }
  /** A key of `signature.pairs` (Stripe's `t`), signed through `{timestamp}`. */
  | { pair: string; format?: TimeFormat }
  /** A field of the signed body (Linear's `webhookTimestamp`), read once the signature matched. */
  | { body: string; format?: TimeFormat };

export type CustomId =
  /** A header: signed when `signedContent` has `{id}` (then required); otherwise read as sent, unsigned. */
  | { header: string }
  /** A field of the signed body. */
  | { body: string }
  /** For senders with no delivery id: SHA-256 of the signed content (a redelivery of the same bytes is a duplicate). */
  | 'content-hash'
  /** Likewise over the body alone, for senders that re-sign a redelivery with a fresh timestamp. */
  | 'body-hash';

/** A value in a handshake answer: literal, or a field of the verified body. */
export type HandshakeValue = string | number | boolean | null | { body: string };

export interface CustomHandshake {
  /** What marks the handshake: body fields (dotted paths) and header values that must all equal these. */
  when: { body?: Record<string, string | number | boolean>; headers?: Record<string, string> };
  /**
   * The answer. `json` is sent as JSON, `text` as text/plain; values may name a body field.
   * A function gets the verified payload and request (Zoom's answer needs an HMAC, say).
   */
  respond:
    | { status?: number; json?: Record<string, HandshakeValue>; text?: HandshakeValue }
    | ((payload: unknown, request: SchemeRequest) => MaybePromise<ReceiverResponse>);
}

export interface CustomOptions extends SecretOptions<string | Uint8Array> {
  /** Names the scheme in dedupe keys and records. */
  name: string;
  signature: CustomSignature;
  algorithm: CustomAlgorithm;
  /** How the signature is written. */
  encoding: SignatureEncoding;
  /**
   * What is signed, as a template: `{body}` (the raw bytes), `{id}`, `{timestamp}`
   * (as sent), `{url}`, `{method}` and `{header:<name>}`. Default `{body}`.
   */
  signedContent?: string;
  /** How a text HMAC secret becomes key bytes. Default `utf8`. */
  secretEncoding?: 'utf8' | 'base64' | 'hex';
  /** For ed25519, ecdsa-p256-sha256 and rsa-sha256: PEM text, raw key bytes, or their hex or base64 text. */
  publicKey?: SecretInput<string | Uint8Array> | undefined;
  publicKeys?: readonly SecretInput<string | Uint8Array>[] | undefined;
  /** How an ECDSA signature is laid out. Default `der`. */
  ecdsaSignature?: 'der' | 'ieee-p1363';
  timestamp?: CustomTimestamp;
  id?: CustomId;
  /** The event type: a header, else a body field. */
  type?: { header?: string; body?: string };
  /** The endpoint's public URL as the sender has it, for `{url}`; or a function of the request. */
  url?: string | ((request: SchemeRequest) => string);
  /** `json` (default) or `form` (application/x-www-form-urlencoded fields). */
  bodyFormat?: 'json' | 'form';
  handshake?: CustomHandshake;
  redelivery?: RedeliveryProfile;
}

type Part =
  | { kind: 'literal'; text: string }
  | { kind: 'body' | 'id' | 'timestamp' | 'url' | 'method' }
  | { kind: 'header'; name: string };

const ALGORITHMS: Record<CustomAlgorithm, HmacAlgorithm | PublicKeyAlgorithm> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ecdsa-p256-sha256',
  'rsa-sha256': 'rsa-sha256',
};
const ENCODINGS: readonly SignatureEncoding[] = ['hex', 'base64', 'base64url'];
const MAX_SIGNATURE_ENTRIES = 10;
/** A public-key check costs ~20 HMACs: a forged header listing many would cost that many times a rejection. */
const MAX_PUBLIC_KEY_ENTRIES = 2;
const TOKEN = /\{([a-z]+)(?::([^}]*))?\}/g;
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const DIGITS = /^[0-9]{1,16}$/;

function compileTemplate(template: string, fail: (message: string) => Error): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(TOKEN)) {
    const [text, token, argument] = match;
    if (match.index > last) parts.push({ kind: 'literal', text: template.slice(last, match.index) });
    last = match.index + text.length;
    if (token === 'header') {
      if (!argument) throw fail('signedContent: {header:<name>} needs a header name');
      parts.push({ kind: 'header', name: argument.toLowerCase() });
    } else if (token === 'body' || token === 'id' || token === 'timestamp' || token === 'url' || token === 'method') {
      if (argument !== undefined) throw fail(`signedContent: {${token}} takes no argument`);
      parts.push({ kind: token });
    } else {
      throw fail(
        `signedContent: unknown {${token}}; use {body}, {id}, {timestamp}, {url}, {method} or {header:<name>}`,
      );
    }
  }
  if (last < template.length) parts.push({ kind: 'literal', text: template.slice(last) });
  if (!parts.some((part) => part.kind === 'body')) {
    throw fail('signedContent must include {body}: a signature that does not cover the body proves nothing about it');
  }
  return parts;
}

/** Seconds since the epoch from a timestamp as sent, or undefined when it is not in `format`. */
export function parseTime(text: string, format: TimeFormat): number | undefined {
  if (format === 'iso') {
    const match = ISO.exec(text);
    if (!match) return undefined;
    const ms = Date.parse(`${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}${match[3]}`);
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
  }
  if (!DIGITS.test(text)) return undefined;
  const value = Number(text);
  return format === 'ms' ? Math.floor(value / 1000) : value;
}

function decodeSignature(text: string, encoding: SignatureEncoding): Uint8Array | undefined {
  const bytes = encoding === 'hex' ? fromHex(text) : fromBase64(text, encoding === 'base64url');
  if (bytes === undefined || bytes.length === 0) return undefined;
  // Only the canonical text: decoders forgive case, padding and unused bits.
  const canonical = encoding === 'hex' ? toHex(bytes) : toBase64(bytes, encoding === 'base64url');
  return canonical === text ? bytes : undefined;
}

const RAW_KEY_BYTES: Partial<Record<PublicKeyAlgorithm, number>> = { ed25519: 32, 'ecdsa-p256-sha256': 65 };

function publicKeyInput(value: string | Uint8Array, algorithm: PublicKeyAlgorithm, fail: (m: string) => Error) {
  const rawBytes = RAW_KEY_BYTES[algorithm];
  const fromBytes = (bytes: Uint8Array): PublicKeyInput =>
    bytes.length === rawBytes ? { format: 'raw', bytes } : { format: 'spki', bytes };
  if (typeof value !== 'string') return fromBytes(value);
  const text = value.trim();
  if (text.startsWith('-----BEGIN')) return { format: 'pem', text } satisfies PublicKeyInput;
  const hex = fromHex(text);
  if (hex !== undefined && hex.length > 0) return fromBytes(hex);
  const base64 = fromBase64(text) ?? fromBase64(text, true);
  if (base64 !== undefined && base64.length > 0) return fromBytes(base64);
  throw fail(`a ${algorithm} public key must be PEM, hex or base64`);
}

/**
 * A sender described as data: where its signature is and how it is laid out,
 * the algorithm and encoding, what is signed, and where the timestamp, delivery
 * id and event type are. Every mistake in the description is a configuration
 * error when the scheme is built, never a receiver that accepts everything.
 */
export function custom(options: CustomOptions): Scheme {
  if (!options || typeof options.name !== 'string' || options.name === '') {
    throw configError('custom: a name is required (it prefixes dedupe keys and names the scheme in records)');
  }
  const name = options.name;
  const fail = (message: string) => configError(`${name}: ${message}`);
  const algorithm = ALGORITHMS[options.algorithm];
  if (algorithm === undefined) throw fail(`algorithm must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  if (!ENCODINGS.includes(options.encoding)) throw fail(`encoding must be one of ${ENCODINGS.join(', ')}`);
  const isHmac = options.algorithm.startsWith('hmac-');
  const matchHmac = hmacMatcher(algorithm as HmacAlgorithm, options.encoding);
  const signature = options.signature;
  if (!signature || typeof signature.header !== 'string' || signature.header === '') {
    throw fail('signature.header is required');
  }
  if (signature.list && signature.pairs) throw fail('signature takes list or pairs, not both');
  if (signature.list && !signature.list.separator) throw fail('signature.list.separator must not be empty');
  if (signature.pairs && (!signature.pairs.separator || !signature.pairs.signature)) {
    throw fail('signature.pairs needs a separator and the signature key');
  }
  const header = signature.header.toLowerCase();
  const prefix = signature.prefix ?? '';
  const template = compileTemplate(options.signedContent ?? '{body}', fail);
  const signs = (kind: Part['kind']) => template.some((part) => part.kind === kind);

  // Keys: secrets for HMAC, public keys for the others; never both, never none.
  const hasPublic = options.publicKey !== undefined || options.publicKeys !== undefined;
  let hmacRing: Keyring<HmacKey> | undefined;
  let publicRing: Keyring<PublicKey> | undefined;
  if (isHmac) {
    if (hasPublic) throw fail(`${options.algorithm} takes secret or secrets, not publicKey`);
    const secretEncoding = options.secretEncoding ?? 'utf8';
    hmacRing = hmacKeyring(collectSecrets(options, name), options.now, (secret) => {
      if (typeof secret !== 'string' || secretEncoding === 'utf8') return secret;
      const bytes = secretEncoding === 'hex' ? fromHex(secret) : fromBase64(secret);
      if (bytes === undefined || bytes.length === 0) throw fail(`a secret is not valid ${secretEncoding}`);
      return bytes;
    });
  } else {
    if (options.secret !== undefined || options.secrets !== undefined) {
      throw fail(`${options.algorithm} verifies with publicKey or publicKeys, not a secret`);
    }
    const keys = collectSecrets({ secret: options.publicKey, secrets: options.publicKeys }, name, undefined, false);
    const pkAlgorithm = algorithm as PublicKeyAlgorithm;
    publicRing = new Keyring(
      keys,
      keys.map((key) =>
        publicKey(
          pkAlgorithm,
          publicKeyInput(key.value, pkAlgorithm, fail),
          options.ecdsaSignature === undefined ? {} : { ecdsaSignature: options.ecdsaSignature },
        ),
      ),
      options.now,
    );
  }

  // Timestamp: signed, or not accepted at all (an unsigned one could be rewritten to reopen the window).
  const timestamp = options.timestamp;
  const timeFormat = timestamp?.format ?? 'seconds';
  if (!['seconds', 'ms', 'iso'].includes(timeFormat)) throw fail('timestamp.format must be seconds, ms or iso');
  const timestampHeader = timestamp && 'header' in timestamp ? timestamp.header.toLowerCase() : undefined;
  const timestampPair = timestamp && 'pair' in timestamp ? timestamp.pair : undefined;
  const timestampPath =
    timestamp && 'body' in timestamp ? compilePath(timestamp.body, 'timestamp.body', fail) : undefined;
  if (timestamp && !timestampHeader && !timestampPair && !timestampPath) {
    throw fail('timestamp needs header, pair or body');
  }
  if (timestampPair !== undefined && !signature.pairs) throw fail('timestamp.pair needs signature.pairs');
  if (signs('timestamp') && !timestampHeader && timestampPair === undefined) {
    throw fail('signedContent uses {timestamp} but timestamp names no header or pair');
  }
  if ((timestampHeader || timestampPair !== undefined) && !signs('timestamp')) {
    throw fail('the timestamp is not signed: add {timestamp} to signedContent, or leave timestamp out');
  }

  // Delivery id.
  const id = options.id;
  const idHeader = id && typeof id === 'object' && 'header' in id ? id.header.toLowerCase() : undefined;
  const idPath = id && typeof id === 'object' && 'body' in id ? compilePath(id.body, 'id.body', fail) : undefined;
  const idFromHash = id === 'content-hash';
  const idFromBodyHash = id === 'body-hash';
  if (id !== undefined && !idHeader && !idPath && !idFromHash && !idFromBodyHash) {
    throw fail("id must be { header }, { body }, 'content-hash' or 'body-hash'");
  }
  if (signs('id') && !idHeader) throw fail('signedContent uses {id} but id names no header');
  const idSigned = idHeader !== undefined && signs('id');

  const typeHeader = options.type?.header?.toLowerCase();
  const typePath = options.type?.body === undefined ? undefined : compilePath(options.type.body, 'type.body', fail);

  const url = options.url;
  if (signs('url') && url === undefined)
    throw fail('signedContent uses {url}: give url, the endpoint URL as the sender has it');
  if (typeof url === 'string' && !/^https?:\/\/[^/]+/.test(url)) throw fail('url must be an absolute http(s) URL');

  const bodyFormat = options.bodyFormat ?? 'json';
  if (bodyFormat !== 'json' && bodyFormat !== 'form') throw fail('bodyFormat must be json or form');
  const respond = options.handshake ? compileHandshake(options.handshake, fail) : undefined;

  function candidatesOf(value: string): { candidates: string[]; pairTimestamp: string | undefined } {
    if (!value.startsWith(prefix)) throw rejection('malformed_header', `Header ${header} must start with ${prefix}`);
    const rest = value.slice(prefix.length);
    if (signature.pairs) {
      const { separator, signature: key } = signature.pairs;
      const candidates: string[] = [];
      let pairTimestamp: string | undefined;
      for (const item of rest.split(separator, MAX_SIGNATURE_ENTRIES * 2)) {
        const eq = item.indexOf('=');
        if (eq <= 0) continue;
        const itemKey = item.slice(0, eq).trim();
        const itemValue = item.slice(eq + 1).trim();
        if (itemKey === key) candidates.push(itemValue);
        else if (itemKey === timestampPair) pairTimestamp = itemValue;
      }
      return { candidates, pairTimestamp };
    }
    if (signature.list) {
      const entryPrefix = signature.list.prefix ?? '';
      const candidates: string[] = [];
      for (const entry of rest.split(signature.list.separator, MAX_SIGNATURE_ENTRIES)) {
        const trimmed = entry.trim();
        if (trimmed.startsWith(entryPrefix) && trimmed.length > entryPrefix.length) {
          candidates.push(trimmed.slice(entryPrefix.length));
        }
      }
      if (candidates.length === 0) throw rejection('malformed_header', `Header ${header} has no signature entry`);
      return { candidates, pairTimestamp: undefined };
    }
    return { candidates: [rest.trim()], pairTimestamp: undefined };
  }

  function matches(parts: MessagePart[], candidates: string[]): MaybePromise<SecretMatch | undefined> {
    if (hmacRing) return hmacRing.match(matchHmac, parts, candidates);
    const decoded: Uint8Array[] = [];
    for (const candidate of candidates) {
      const bytes = decodeSignature(candidate, options.encoding);
      if (bytes !== undefined) decoded.push(bytes);
      if (decoded.length === MAX_PUBLIC_KEY_ENTRIES) break;
    }
    if (decoded.length === 0 || !publicRing) return undefined;
    return publicRing.match(publicKeyVerifies, parts, decoded);
  }

  return throwingUnmatched({
    name,
    redelivery: options.redelivery,
    signatureHeaders: [header],
    check(request): MaybePromise<VerifiedSignature | undefined> {
      const { candidates, pairTimestamp } = candidatesOf(requireHeader(request, header));
      const idText = idSigned ? requireHeader(request, idHeader) : undefined;
      let timestampText: string | undefined;
      if (timestampHeader !== undefined) timestampText = requireHeader(request, timestampHeader);
      else if (timestampPair !== undefined) {
        if (pairTimestamp === undefined)
          throw rejection('malformed_header', `Header ${header} has no ${timestampPair}`);
        timestampText = pairTimestamp;
      }
      let seconds: number | undefined;
      if (timestampText !== undefined) {
        seconds = parseTime(timestampText, timeFormat);
        if (seconds === undefined) {
          throw rejection('malformed_header', `The timestamp is not a ${timeFormat} timestamp`);
        }
      }
      // Literals and header values go in as few strings as possible (each update() is a native call).
      const parts: MessagePart[] = [];
      let text = '';
      for (const part of template) {
        if (part.kind === 'body') {
          if (text !== '') parts.push(text);
          parts.push(request.body);
          text = '';
          continue;
        }
        text +=
          part.kind === 'literal'
            ? part.text
            : part.kind === 'id'
              ? (idText ?? '')
              : part.kind === 'timestamp'
                ? (timestampText ?? '')
                : part.kind === 'url'
                  ? typeof url === 'function'
                    ? url(request)
                    : (url ?? '')
                  : part.kind === 'header'
                    ? requireHeader(request, part.name)
                    : request.method.toUpperCase();
      }
      if (text !== '') parts.push(text);
      return andThen(matches(parts, candidates), (matched) => {
        if (matched === undefined) return undefined;
        // Only once the signature matched: the body timestamp is read from signed bytes.
        if (timestampPath !== undefined) seconds = bodyTimestamp(request, timestampPath, timeFormat);
        if (!idFromHash && !idFromBodyHash) return verifiedBy(matched, idText, seconds);
        return andThen(contentId(idFromHash ? parts : [request.body]), (hash) => verifiedBy(matched, hash, seconds));
      });
    },
    parse(request) {
      return bodyFormat === 'form' ? parseForm(request.body) : parseJsonBody(request.body);
    },
    ...(respond ? { respond } : {}),
    describe(payload, request, verified) {
      const id =
        verified.id ?? (idPath === undefined ? undefined : textAt(payload, idPath)) ?? headerNamed(request, idHeader);
      const type = headerNamed(request, typeHeader) ?? (typePath === undefined ? undefined : textAt(payload, typePath));
      return { id, type };
    },
  });
}

/** A timestamp in the signed body, read once the signature matched. */
function bodyTimestamp(request: SchemeRequest, path: readonly string[], format: TimeFormat): number {
  const value = valueAt(parseJsonBody(request.body), path);
  const seconds =
    typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? parseTime(String(Math.floor(value)), format)
      : typeof value === 'string'
        ? parseTime(value, format)
        : undefined;
  if (seconds === undefined)
    throw rejection('invalid_body', `The signed body has no ${format} timestamp at ${path.join('.')}`);
  return seconds;
}

function compileHandshake(
  handshake: CustomHandshake,
  fail: (message: string) => Error,
): (payload: unknown, request: SchemeRequest) => MaybePromise<ReceiverResponse | undefined> {
  const bodyRules = Object.entries(handshake.when?.body ?? {}).map(
    ([path, value]) => [compilePath(path, 'handshake.when.body', fail), value] as const,
  );
  const headerRules = Object.entries(handshake.when?.headers ?? {}).map(
    ([name, value]) => [name.toLowerCase(), value] as const,
  );
  if (bodyRules.length === 0 && headerRules.length === 0) {
    throw fail('handshake.when must match at least one body field or header');
  }
  const answer = handshake.respond;
  let build: (payload: unknown, request: SchemeRequest) => MaybePromise<ReceiverResponse>;
  if (typeof answer === 'function') build = answer;
  else if (answer && (answer.json !== undefined) !== (answer.text !== undefined)) {
    const status = answer.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 299) throw fail('handshake.respond.status must be 2xx');
    const resolve = (value: HandshakeValue, payload: unknown) =>
      value !== null && typeof value === 'object'
        ? valueAt(payload, compilePath(value.body, 'handshake value', fail))
        : value;
    const { json, text } = answer;
    build =
      json !== undefined
        ? (payload) => ({
            status,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              Object.fromEntries(Object.entries(json).map(([key, value]) => [key, resolve(value, payload)])),
            ),
          })
        : (payload) => {
            const value = resolve(text as HandshakeValue, payload);
            return {
              status,
              headers: { 'content-type': 'text/plain; charset=utf-8' },
              body: value === undefined || value === null ? '' : String(value),
            };
          };
  } else throw fail('handshake.respond must be a function, or give exactly one of json and text');
  return (payload, request) => {
    for (const [name, value] of headerRules) if (request.headers[name] !== value) return undefined;
    for (const [path, value] of bodyRules) if (valueAt(payload, path) !== value) return undefined;
    return build(payload, request);
  };
}

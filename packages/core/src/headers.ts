import type { HeaderInput } from './types.js';

/**
 * A header record has nothing above it (no Object.prototype: a header named
 * `constructor` or `__proto__` is only a header), yet stays a fast-mode
 * object, which Object.create(null) is not: a third cheaper to fill.
 */
export const HeaderRecord = function HeaderRecord() {} as unknown as new () => Record<string, string>;
// Frozen, so no handler can plant a value that every later header record would inherit.
HeaderRecord.prototype = Object.freeze(Object.create(null));

/** A request's two header records: every header for the scheme, and those kept after it (see `keepHeaders`). */
export interface HeaderRecords {
  readonly all: Record<string, string>;
  readonly kept: Record<string, string>;
}

/**
 * Both records in one pass over a plain record already lower-case (node:http's own):
 * the pass that checks the copy also fills the kept record. Built before verification,
 * the kept record is handed on only once the scheme has verified the request.
 */
export function readHeaders(input: HeaderInput, signatureHeaders?: readonly string[] | undefined): HeaderRecords {
  if (isPlainRecord(input)) {
    // node:http's own record is copied whole: less than half the cost of adding its names one by
    // one, each a keyed store that changes the copy's shape (8 headers: ~210 ns against ~530 ns).
    // The copy is walked, not the input, so only the input's own names are seen (never an
    // enumerable name someone put on Object.prototype), and it is used only if all are lower-case strings.
    const all = Object.assign(new HeaderRecord(), input) as Record<string, unknown>;
    const kept = new HeaderRecord();
    let lowerCaseStrings = true;
    for (const name in all) {
      const value = all[name];
      const traits = traitsOf(name);
      if (typeof value !== 'string' || (traits & LOWER_CASE) === 0) {
        lowerCaseStrings = false;
        break;
      }
      if ((traits & CREDENTIAL) === 0 && !signatureHeaders?.includes(name)) kept[name] = value;
    }
    if (lowerCaseStrings) return { all: all as Record<string, string>, kept };
  }
  const all = normalizeHeaders(input);
  return { all, kept: keepHeaders(all, signatureHeaders) };
}

/**
 * Lower-cased header names; repeated headers joined with ", " as HTTP defines. Name by
 * name: a record that needs no work is copied whole by `readHeaders` before it gets here.
 */
export function normalizeHeaders(input: HeaderInput): Record<string, string> {
  const out = new HeaderRecord();
  if (typeof Headers !== 'undefined' && input instanceof Headers) {
    input.forEach((value, name) => {
      out[name] = value;
    });
    return out;
  }
  if (Symbol.iterator in input) {
    for (const [name, value] of input as Iterable<readonly [string, string]>) add(out, name.toLowerCase(), value);
    return out;
  }
  const record = input as PlainRecord;
  // Names already lower-case are distinct keys: stored without looking for one to join,
  // until a name needed lower-casing (it may then meet one stored before or after it).
  let joining = false;
  for (const name in record) {
    const value = record[name];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : String(value);
    const lower = name.toLowerCase();
    if (!joining && lower === name) {
      out[name] = text;
    } else {
      joining = true;
      add(out, lower, text);
    }
  }
  return out;
}

/**
 * A verified request's headers without credential and signature headers: the
 * scheme has done with them, and nothing after it may keep them. A copy (deleting
 * in place would turn the record into a slow dictionary-mode object).
 */
export function keepHeaders(
  headers: Readonly<Record<string, string>>,
  signatureHeaders?: readonly string[] | undefined,
): Record<string, string> {
  const kept = new HeaderRecord();
  for (const name in headers) {
    if ((traitsOf(name) & CREDENTIAL) !== 0 || signatureHeaders?.includes(name)) continue;
    kept[name] = headers[name] as string;
  }
  return kept;
}

type PlainRecord = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * A plain record (not Headers, not a list of pairs) whose prototype is Object.prototype
 * or none, so nothing enumerable is inherited: its own names are all there is to copy.
 */
function isPlainRecord(input: HeaderInput): input is PlainRecord {
  if ((typeof Headers !== 'undefined' && input instanceof Headers) || Symbol.iterator in input) return false;
  const prototype: unknown = Object.getPrototypeOf(input);
  return prototype === Object.prototype || prototype === null;
}

function add(out: Record<string, string>, name: string, value: string): void {
  const existing = out[name];
  out[name] = existing === undefined ? value : `${existing}, ${value}`;
}

/**
 * Header names that carry credentials or signatures. They are dropped from the
 * envelope (and so from ctx.headers): a queue, a log or a handler never holds them.
 */
const CREDENTIAL_HEADER = /sign|token|secret|auth|cookie|hmac|api-?key|passw/;
const UPPER_CASE = /[A-Z]/;

// A header name's traits, as bits.
/** It has no upper-case letter. */
const LOWER_CASE = 1;
/** Lower-cased, it names a credential or a signature (CREDENTIAL_HEADER). */
const CREDENTIAL = 2;

/**
 * Traits by header name: senders send the same few names every time, and one lookup
 * answers both questions asked of each name, cheaper than either pattern.
 */
const knownTraits = new Map<string, number>();
/** Names remembered, at most: a sender inventing names must not grow memory. */
const MAX_KNOWN = 1_000;

function traitsOf(name: string): number {
  let traits = knownTraits.get(name);
  if (traits === undefined) {
    traits = (UPPER_CASE.test(name) ? 0 : LOWER_CASE) | (CREDENTIAL_HEADER.test(name.toLowerCase()) ? CREDENTIAL : 0);
    if (knownTraits.size < MAX_KNOWN) knownTraits.set(name, traits);
  }
  return traits;
}

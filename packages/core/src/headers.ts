import { configError } from './errors.js';
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
  /** Read only: it may be the caller's own record. */
  readonly all: Readonly<Record<string, string>>;
  readonly kept: Record<string, string>;
}

/**
 * Both records in one pass over a plain record already lower-case (node:http's own).
 * Such a record is the scheme's record as it is: copying it costs more than the rest
 * of reading it (8 headers: ~100 ns), and a scheme only reads the headers it names,
 * none of them a name Object.prototype has. The pass that checks it also fills the
 * kept record, which goes on only once the scheme has verified the request.
 * `signatureHeaders` are the scheme's that CREDENTIAL_HEADER does not already name.
 */
export function readHeaders(input: HeaderInput, signatureHeaders?: readonly string[] | undefined): HeaderRecords {
  const record = ownNamesRecord(input);
  if (record !== undefined) {
    const kept = new HeaderRecord();
    let lowerCaseStrings = true;
    let position = 0;
    for (const name in record) {
      const value = record[name];
      const traits = traitsAt(position++, name);
      if (typeof value !== 'string' || (traits & LOWER_CASE) === 0) {
        lowerCaseStrings = false;
        break;
      }
      if ((traits & CREDENTIAL) === 0 && !signatureHeaders?.includes(name)) kept[name] = value;
    }
    if (lowerCaseStrings) return { all: record as Readonly<Record<string, string>>, kept };
  }
  const all = normalizeHeaders(record ?? input);
  return { all, kept: keepHeaders(all, signatureHeaders) };
}

/**
 * The signature headers `keepHeaders` must be told of: those CREDENTIAL_HEADER does not
 * already drop (most schemes' have `sign` in their name). Undefined when there are none.
 */
export function unnamedCredentials(signatureHeaders: readonly string[] | undefined): string[] | undefined {
  if (
    signatureHeaders !== undefined &&
    (!Array.isArray(signatureHeaders) || !signatureHeaders.every((name) => typeof name === 'string'))
  ) {
    throw configError('scheme.signatureHeaders must be an array of header names (strings)');
  }
  const unnamed = (signatureHeaders ?? []).map((name) => name.toLowerCase()).filter((name) => !isCredential(name));
  return unnamed.length > 0 ? unnamed : undefined;
}

/**
 * Lower-cased header names; repeated headers joined with ", " as HTTP defines. Name by
 * name: a record that needs no work is used as it is by `readHeaders`, never sent here.
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
 * A plain record (not Headers, not a list of pairs; its prototype Object.prototype or
 * none) as a record whose for-in meets only its own names: the record itself, unless
 * someone made a name on Object.prototype enumerable, then a copy of its own names.
 * Undefined for any other input.
 */
function ownNamesRecord(input: HeaderInput): PlainRecord | undefined {
  const prototype: unknown = Object.getPrototypeOf(input);
  if ((prototype !== Object.prototype && prototype !== null) || Symbol.iterator in input) return undefined;
  const record = input as PlainRecord;
  if (prototype !== null) for (const _ in EMPTY) return Object.assign(new HeaderRecord(), record);
  return record;
}
/** Inherits from Object.prototype alone: a for-in over it meets only names planted there. */
const EMPTY = Object.freeze({});

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

/**
 * The names of the last record read, by position, and their traits: a sender sends the
 * same names in the same order, and comparing a name with the one before is cheaper than
 * looking it up (node:http's names are interned: the same name is the same string).
 */
const namesAt: string[] = [];
const traitsByPosition: number[] = [];

function traitsAt(position: number, name: string): number {
  if (namesAt[position] === name) return traitsByPosition[position] as number;
  const traits = traitsOf(name);
  if (position < MAX_POSITIONS) {
    namesAt[position] = name;
    traitsByPosition[position] = traits;
  }
  return traits;
}
/** Positions remembered: a request with more headers looks the rest up by name. */
const MAX_POSITIONS = 64;

/** Whether a header name carries a credential or a signature (CREDENTIAL_HEADER, lower-cased). */
export function isCredential(name: string): boolean {
  return (traitsOf(name) & CREDENTIAL) !== 0;
}

function traitsOf(name: string): number {
  let traits = knownTraits.get(name);
  if (traits === undefined) {
    traits = (UPPER_CASE.test(name) ? 0 : LOWER_CASE) | (CREDENTIAL_HEADER.test(name.toLowerCase()) ? CREDENTIAL : 0);
    if (knownTraits.size < MAX_KNOWN) knownTraits.set(name, traits);
  }
  return traits;
}

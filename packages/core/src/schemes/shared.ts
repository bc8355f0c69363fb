import { hmacMatches } from '../crypto/index.js';
import { rejection } from '../errors.js';
import type { MaybePromise, Scheme, SchemeRequest, VerifiedSignature } from '../types.js';

export type { HmacAlgorithm, SignatureEncoding } from '../crypto/types.js';

export type { Secret, SecretEntry, SecretInput, SecretMatch, SecretOptions, SecretTime } from './secrets.js';
export { collectSecrets, hmacKeyring, Keyring } from './secrets.js';

/**
 * True when any key's HMAC over the parts (fed in order), written out in
 * `encoding`, equals one of the sender's signature texts, compared in constant
 * time as text, never decoded (see CryptoBackend.hmacMatches). A promise only
 * under Web Crypto.
 */
export const signatureMatches: typeof hmacMatches = hmacMatches;

/** `verified` when the match holds, else undefined; synchronous whenever the match is. */
export function verifiedWhen(
  matched: MaybePromise<boolean>,
  verified: VerifiedSignature,
): MaybePromise<VerifiedSignature | undefined> {
  if (matched === true) return verified;
  if (matched === false) return undefined;
  return matched.then((ok) => (ok ? verified : undefined));
}

/**
 * A header by a name a scheme was configured with (none: undefined): its text, undefined when
 * absent or empty. The record may be the caller's own (node:http's), which inherits from
 * Object.prototype: a name such as `constructor` reads as absent, not as Object's function.
 */
export function headerNamed(request: SchemeRequest, name: string | undefined): string | undefined {
  const value: unknown = name === undefined ? undefined : request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireHeader(request: SchemeRequest, name: string): string {
  const value = headerNamed(request, name);
  if (value === undefined) throw rejection('missing_header', `Missing required header ${name}`);
  return value;
}

/** Most digits a timestamp may have: 15 stay exact in a double. */
const MAX_DIGITS = 15;

/** 1 to 15 ASCII digits as a number, else NaN; read one by one, cheaper than a pattern and then Number(). */
function parseDigits(value: string): number {
  if (value.length === 0 || value.length > MAX_DIGITS) return Number.NaN;
  let parsed = 0;
  for (let index = 0; index < value.length; index++) {
    const digit = value.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    parsed = parsed * 10 + digit;
  }
  return parsed;
}

/** Strict integer parsing for signed timestamps: "123abc", "1e9", " 12" and "-5" are malformed. */
export function parseTimestampHeader(value: string, header: string, unit: 's' | 'ms' = 's'): number {
  const parsed = parseDigits(value);
  if (Number.isNaN(parsed)) throw rejection('malformed_header', `Header ${header} is not an integer timestamp`);
  return unit === 'ms' ? Math.floor(parsed / 1000) : parsed;
}

/**
 * Every forged request ends here, built without a stack trace. A fresh error each
 * time (not one shared, frozen instance): error hooks and reporters annotate errors.
 */
export function invalidSignature(): never {
  throw rejection('invalid_signature', 'No signature matched');
}

/** A scheme whose signature check returns undefined when no signature matched, instead of throwing. */
export interface CheckingScheme extends Omit<Scheme, 'verify'> {
  check(request: SchemeRequest): MaybePromise<VerifiedSignature | undefined>;
}

/**
 * Builds `verify` from `check`, throwing only in this small wrapper. V8 tiers a
 * function up when it returns, so a verify that threw on every forged request stayed
 * unoptimized through a flood of them (profiled: rejections ~1.5x slower than acceptances).
 */
export function throwingUnmatched({ check, ...scheme }: CheckingScheme): Scheme {
  return {
    ...scheme,
    verify(request) {
      const result = check(request);
      if (result instanceof Promise) return result.then((verified) => verified ?? invalidSignature());
      return result ?? invalidSignature();
    },
  };
}

/** A string property of a parsed JSON object, or undefined. */
export function stringField(payload: unknown, field: string): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value = (payload as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

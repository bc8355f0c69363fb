import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { rejection } from '../errors.js';
import type { Scheme, SchemeRequest, VerifiedSignature } from '../types.js';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

export type { Secret, SecretEntry, SecretInput, SecretMatch, SecretOptions, SecretTime } from './secrets.js';
export { collectSecrets, hmacKeyring, Keyring } from './secrets.js';

/** Constant-time equality of two byte strings; lengths are public. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Length of a digest's canonical text: base64 padded, base64url not. */
function signatureLength(encoding: SignatureEncoding, algorithm: HmacAlgorithm): number {
  const bytes = DIGEST_BYTES[algorithm];
  return encoding === 'hex' ? bytes * 2 : encoding === 'base64' ? Math.ceil(bytes / 3) * 4 : Math.ceil((bytes * 4) / 3);
}

/**
 * True when any key's HMAC over the parts (fed in order, never concatenated
 * into a copy), written out in `encoding`, equals one of the sender's
 * signature texts. Their text is compared with our canonical encoding in
 * constant time, never decoded: so only the canonical text matches (Node's
 * decoders forgive case, alphabet, junk and unused bits), and no Buffer is
 * allocated per digest, the dearest step for small bodies.
 */
export function signatureMatches(
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  keys: readonly KeyObject[],
  parts: readonly (string | Buffer)[],
  candidates: readonly string[],
): boolean {
  const length = signatureLength(encoding, algorithm);
  const presented: Buffer[] = [];
  for (const candidate of candidates) {
    // UTF-8 is one-to-one: equal bytes mean equal text. A text of the wrong length can never match.
    if (candidate.length === length) presented.push(Buffer.from(candidate, 'utf8'));
  }
  if (presented.length === 0) return false;
  for (const key of keys) {
    const mac = createHmac(algorithm, key);
    for (const part of parts) mac.update(part);
    const expected = Buffer.from(mac.digest(encoding), 'latin1');
    for (const candidate of presented) {
      if (safeEqual(expected, candidate)) return true;
    }
  }
  return false;
}

export function requireHeader(request: SchemeRequest, name: string): string {
  const value = request.headers[name];
  if (value === undefined || value === '') throw rejection('missing_header', `Missing required header ${name}`);
  return value;
}

const DIGITS = /^[0-9]{1,15}$/;

/** Strict integer parsing for signed timestamps: "123abc", "1e9", " 12" and "-5" are malformed. */
export function parseTimestampHeader(value: string, header: string, unit: 's' | 'ms' = 's'): number {
  if (!DIGITS.test(value)) throw rejection('malformed_header', `Header ${header} is not an integer timestamp`);
  const parsed = Number(value);
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
  check(request: SchemeRequest): VerifiedSignature | undefined;
}

/**
 * Builds `verify` from `check`, throwing only in this small wrapper. V8 tiers a
 * function up when it returns, so a verify that threw on every forged request stayed
 * unoptimized through a flood of them (profiled: rejections ~1.5x slower than acceptances).
 */
export function throwingUnmatched({ check, ...scheme }: CheckingScheme): Scheme {
  return { ...scheme, verify: (request) => check(request) ?? invalidSignature() };
}

/** A string property of a parsed JSON object, or undefined. */
export function stringField(payload: unknown, field: string): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value = (payload as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

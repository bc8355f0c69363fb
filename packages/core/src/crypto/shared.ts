/** What both crypto implementations share: lengths, key wrapping and signature formats, in plain JS. */
import { concatBytes, fromBase64, fromHex } from '../bytes.js';
import { configError } from '../errors.js';
import type { HmacAlgorithm, PublicKeyAlgorithm, SignatureEncoding } from './types.js';

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Length of a digest's canonical text: base64 padded, base64url not. */
export function signatureLength(encoding: SignatureEncoding, algorithm: HmacAlgorithm): number {
  const bytes = DIGEST_BYTES[algorithm];
  return encoding === 'hex' ? bytes * 2 : encoding === 'base64' ? Math.ceil(bytes / 3) * 4 : Math.ceil((bytes * 4) / 3);
}

/** SPKI headers that turn a raw key into DER SubjectPublicKeyInfo. */
const SPKI_PREFIX = {
  ed25519: { bytes: 32, prefix: '302a300506032b6570032100' },
  'ecdsa-p256-sha256': { bytes: 65, prefix: '3059301306072a8648ce3d020106082a8648ce3d030107034200' },
} as const;

export function spkiFromRaw(algorithm: PublicKeyAlgorithm, raw: Uint8Array): Uint8Array {
  if (algorithm === 'rsa-sha256') throw configError('an RSA public key must be given as spki or pem, not raw');
  const { bytes, prefix } = SPKI_PREFIX[algorithm];
  if (raw.length !== bytes) throw configError(`a raw ${algorithm} public key must be ${bytes} bytes`);
  return concatBytes([fromHex(prefix) ?? new Uint8Array(0), raw]);
}

/** The algorithm identifiers (DER-encoded OIDs) an SPKI of each algorithm starts with. */
const SPKI_OIDS: Record<PublicKeyAlgorithm, readonly string[]> = {
  ed25519: ['06032b6570'],
  // id-ecPublicKey, then the prime256v1 curve.
  'ecdsa-p256-sha256': ['06072a8648ce3d0201', '06082a8648ce3d030107'],
  'rsa-sha256': ['06092a864886f70d010101'],
};

/** Whether DER SPKI bytes name the algorithm in their AlgorithmIdentifier (the first few dozen bytes). */
export function spkiNames(algorithm: PublicKeyAlgorithm, spki: Uint8Array): boolean {
  if (spki[0] !== 0x30) return false;
  let head = '';
  for (const byte of spki.subarray(0, 32)) head += byte.toString(16).padStart(2, '0');
  return SPKI_OIDS[algorithm].every((oid) => head.includes(oid));
}

/** The DER bytes of a `-----BEGIN PUBLIC KEY-----` block. */
export function spkiFromPem(text: string): Uint8Array {
  const match = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(text);
  const der = match?.[1] === undefined ? undefined : fromBase64(match[1].replace(/\s+/g, ''));
  if (der === undefined || der.length === 0) {
    throw configError('a PEM public key must be a -----BEGIN PUBLIC KEY----- (SPKI) block');
  }
  return der;
}

/** Constant-time equality in plain JS: the loop runs over every byte whatever the content; lengths are public. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

/**
 * Constant-time equality of two texts (signature encodings: hex or base64), code
 * unit by code unit: the loop runs over every one whatever the content; lengths
 * are public. Equal texts are what equal UTF-8 bytes would say (the encoding is one-to-one).
 */
export function constantTimeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

/**
 * An ASN.1 DER ECDSA signature (SEQUENCE of INTEGER r, INTEGER s) as r‖s, each
 * `size` bytes, the form Web Crypto verifies. Undefined when it is not well-formed DER.
 */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30) return undefined;
  let offset = 2;
  const sequenceLength = der[1] ?? 0;
  if (sequenceLength & 0x80) {
    if (sequenceLength !== 0x81) return undefined;
    offset = 3;
  }
  const out = new Uint8Array(size * 2);
  for (let half = 0; half < 2; half++) {
    if (der[offset] !== 0x02) return undefined;
    const length = der[offset + 1] ?? 0;
    let start = offset + 2;
    let integerLength = length;
    if (length === 0 || length > size + 1 || start + length > der.length) return undefined;
    // Leading zero bytes only keep a positive number positive.
    while (integerLength > size && der[start] === 0) {
      start++;
      integerLength--;
    }
    if (integerLength > size) return undefined;
    out.set(der.subarray(start, start + integerLength), half * size + size - integerLength);
    offset += 2 + length;
  }
  return offset === der.length ? out : undefined;
}

/**
 * Placeholder for the crypto layer being built on h/runtimes (same names and
 * shapes, node:crypto only, synchronous). Replaced by that branch's module on merge.
 */
import {
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  timingSafeEqual as nodeTimingSafeEqual,
  verify,
} from 'node:crypto';
import { configError } from '../errors.js';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type DigestAlgorithm = HmacAlgorithm;
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';
export type PublicKeyAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-sha256';
export type MessagePart = string | Uint8Array;
export type HmacKey = KeyObject;
export interface PublicKey {
  readonly algorithm: PublicKeyAlgorithm;
  readonly key: KeyObject;
  readonly dsaEncoding: 'der' | 'ieee-p1363' | undefined;
}
export type PublicKeyInput =
  | { format: 'raw'; bytes: Uint8Array }
  | { format: 'spki'; bytes: Uint8Array }
  | { format: 'pem'; text: string };
export interface PublicKeyOptions {
  ecdsaSignature?: 'der' | 'ieee-p1363';
}

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function signatureLength(encoding: SignatureEncoding, algorithm: HmacAlgorithm): number {
  const bytes = DIGEST_BYTES[algorithm];
  return encoding === 'hex' ? bytes * 2 : encoding === 'base64' ? Math.ceil(bytes / 3) * 4 : Math.ceil((bytes * 4) / 3);
}

export function hmacKey(secret: string | Uint8Array): HmacKey {
  if (secret.length === 0) throw configError('an HMAC secret must not be empty');
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret));
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeTimingSafeEqual(a, b);
}

export function hmacMatches(
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  keys: readonly HmacKey[],
  parts: readonly MessagePart[],
  candidates: readonly string[],
): boolean {
  const length = signatureLength(encoding, algorithm);
  const presented: Buffer[] = [];
  for (const candidate of candidates) {
    if (candidate.length === length) presented.push(Buffer.from(candidate, 'utf8'));
  }
  if (presented.length === 0) return false;
  for (const key of keys) {
    const mac = createHmac(algorithm, key);
    for (const part of parts) mac.update(part);
    const expected = Buffer.from(mac.digest(encoding), 'latin1');
    for (const candidate of presented) {
      if (timingSafeEqual(expected, candidate)) return true;
    }
  }
  return false;
}

const SPKI_PREFIX = {
  ed25519: { bytes: 32, prefix: '302a300506032b6570032100' },
  'ecdsa-p256-sha256': { bytes: 65, prefix: '3059301306072a8648ce3d020106082a8648ce3d030107034200' },
} as const;
const KEY_TYPES: Record<PublicKeyAlgorithm, string> = {
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ec',
  'rsa-sha256': 'rsa',
};

export function publicKey(algorithm: PublicKeyAlgorithm, input: PublicKeyInput, options?: PublicKeyOptions): PublicKey {
  let key: KeyObject;
  if (input.format === 'raw') {
    if (algorithm === 'rsa-sha256') throw configError('an RSA public key must be given as spki or pem, not raw');
    const { bytes, prefix } = SPKI_PREFIX[algorithm];
    if (input.bytes.length !== bytes) throw configError(`a raw ${algorithm} public key must be ${bytes} bytes`);
    input = { format: 'spki', bytes: Buffer.concat([Buffer.from(prefix, 'hex'), input.bytes]) };
  }
  try {
    key =
      input.format === 'pem'
        ? createPublicKey({ key: input.text, format: 'pem' })
        : createPublicKey({ key: Buffer.from(input.bytes), format: 'der', type: 'spki' });
  } catch {
    throw configError(`a ${algorithm} public key could not be read (${input.format})`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== KEY_TYPES[algorithm] || (algorithm === 'ecdsa-p256-sha256' && curve !== 'prime256v1')) {
    throw configError(`the public key is not a ${algorithm} key`);
  }
  return {
    algorithm,
    key,
    dsaEncoding: algorithm === 'ecdsa-p256-sha256' ? (options?.ecdsaSignature ?? 'der') : undefined,
  };
}

export function publicKeyVerifies(
  keys: readonly PublicKey[],
  parts: readonly MessagePart[],
  signatures: readonly Uint8Array[],
): boolean {
  if (keys.length === 0 || signatures.length === 0) return false;
  const content =
    parts.length === 1 && typeof parts[0] !== 'string'
      ? (parts[0] as Uint8Array)
      : Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
  for (const prepared of keys) {
    const key =
      prepared.dsaEncoding === undefined ? prepared.key : { key: prepared.key, dsaEncoding: prepared.dsaEncoding };
    for (const signature of signatures) {
      if (verify(prepared.algorithm === 'ed25519' ? null : 'sha256', content, key, signature)) return true;
    }
  }
  return false;
}

export function digest(algorithm: DigestAlgorithm, parts: readonly MessagePart[]): Uint8Array {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function secretMatcher(secrets: readonly string[]): (presented: string) => boolean {
  const expected = secrets.map(sha256);
  return (presented) => {
    const digested = sha256(presented);
    let matched = false;
    for (const candidate of expected) matched = timingSafeEqual(digested, candidate) || matched;
    return matched;
  };
}

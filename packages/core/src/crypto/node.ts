/** The `node:crypto` implementation of the crypto layer (see ./types.ts): synchronous throughout. */
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
import { constantTimeEqualText, signatureLength, spkiFromRaw } from './shared.js';
import type {
  DigestAlgorithm,
  HmacAlgorithm,
  HmacKey,
  MessagePart,
  PublicKey,
  PublicKeyAlgorithm,
  PublicKeyInput,
  PublicKeyOptions,
  SignatureEncoding,
} from './types.js';

export const name = 'node:crypto';

export function hmacKey(secret: string | Uint8Array): HmacKey {
  if (secret.length === 0) throw configError('an HMAC secret must not be empty');
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return createSecretKey(bytes) as unknown as HmacKey;
}

/** Constant-time equality of two byte strings; lengths are public. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeTimingSafeEqual(a, b);
}

/**
 * The parts are fed in order, never concatenated into a copy. No Buffer is
 * allocated per check, the dearest step for small bodies: the digest's own text
 * is compared with the candidates' in constant time.
 */
export function hmacMatches(
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  keys: readonly HmacKey[],
  parts: readonly MessagePart[],
  candidates: readonly string[],
): boolean {
  const length = signatureLength(encoding, algorithm);
  let presented = false;
  for (const candidate of candidates) if (candidate.length === length) presented = true;
  if (!presented) return false;
  for (const key of keys) {
    const mac = createHmac(algorithm, key as unknown as KeyObject);
    for (const part of parts) mac.update(part);
    const expected = mac.digest(encoding);
    for (const candidate of candidates) {
      if (candidate.length === length && constantTimeEqualText(expected, candidate)) return true;
    }
  }
  return false;
}

interface NodePublicKey {
  readonly algorithm: PublicKeyAlgorithm;
  readonly key: KeyObject;
  readonly dsaEncoding: 'der' | 'ieee-p1363' | undefined;
  readonly hash: 'sha256' | null;
}

const KEY_TYPES: Record<PublicKeyAlgorithm, string> = {
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ec',
  'rsa-sha256': 'rsa',
};

export function publicKey(algorithm: PublicKeyAlgorithm, input: PublicKeyInput, options?: PublicKeyOptions): PublicKey {
  let key: KeyObject;
  try {
    key =
      input.format === 'pem'
        ? createPublicKey({ key: input.text, format: 'pem' })
        : createPublicKey({
            key: Buffer.from(input.format === 'raw' ? spkiFromRaw(algorithm, input.bytes) : input.bytes),
            format: 'der',
            type: 'spki',
          });
  } catch (error) {
    if (error instanceof Error && error.name === 'HookgateError') throw error;
    throw configError(`a ${algorithm} public key could not be read (${input.format})`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== KEY_TYPES[algorithm] || (algorithm === 'ecdsa-p256-sha256' && curve !== 'prime256v1')) {
    throw configError(`the public key is not a ${algorithm} key`);
  }
  const prepared: NodePublicKey = {
    algorithm,
    key,
    dsaEncoding: algorithm === 'ecdsa-p256-sha256' ? (options?.ecdsaSignature ?? 'der') : undefined,
    hash: algorithm === 'ed25519' ? null : 'sha256',
  };
  return prepared as unknown as PublicKey;
}

export function publicKeyVerifies(
  keys: readonly PublicKey[],
  parts: readonly MessagePart[],
  signatures: readonly Uint8Array[],
): boolean {
  if (keys.length === 0 || signatures.length === 0) return false;
  // Ed25519 is one-shot: it needs the signed content as one buffer.
  const content = parts.length === 1 && typeof parts[0] !== 'string' ? (parts[0] as Uint8Array) : concat(parts);
  for (const prepared of keys as unknown as readonly NodePublicKey[]) {
    const key =
      prepared.dsaEncoding === undefined ? prepared.key : { key: prepared.key, dsaEncoding: prepared.dsaEncoding };
    for (const signature of signatures) {
      if (verify(prepared.hash, content, key, signature)) return true;
    }
  }
  return false;
}

function concat(parts: readonly MessagePart[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
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
    // Every secret is compared, matched or not: which one matched does not show in the timing.
    for (const candidate of expected) matched = timingSafeEqual(digested, candidate) || matched;
    return matched;
  };
}

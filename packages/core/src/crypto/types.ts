/**
 * The crypto layer every scheme uses, and nothing else: schemes never import
 * `node:crypto` or touch `crypto.subtle` themselves. Two implementations share
 * this shape, picked once when the package is loaded (never per request) by the
 * package.json `imports` entry `#crypto`:
 *
 * - `node:crypto` (`./node.ts`) under the `node` condition: Node, and bundles
 *   built for Node (Next.js' Node runtime). Synchronous: every `MaybePromise`
 *   below is a plain value, so the Node path never awaits.
 * - Web Crypto (`./web.ts`) under `bun`, `deno` and everything else (`workerd`,
 *   `worker`, `edge-light`, `browser`, `default`). `crypto.subtle` is
 *   asynchronous, so the checks that need it return promises; checks settled
 *   without it (no candidate of the right length) stay synchronous.
 *
 * Keys are prepared at construction (`hmacKey`, `publicKey`): on Node that
 * builds KeyObjects; on Web Crypto it validates the input and imports the
 * CryptoKey lazily, once, on first use.
 */
import type { MaybePromise } from '../types.js';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type DigestAlgorithm = HmacAlgorithm;
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';
/** Ed25519; ECDSA over P-256 with SHA-256; RSASSA-PKCS1-v1_5 with SHA-256. */
export type PublicKeyAlgorithm = 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-sha256';

/** Signed content is fed in parts (e.g. `${id}.${timestamp}.` then the body): strings are taken as UTF-8. */
export type MessagePart = string | Uint8Array;

declare const hmacKeyBrand: unique symbol;
declare const publicKeyBrand: unique symbol;
/** An HMAC secret prepared by `hmacKey`; opaque. */
export interface HmacKey {
  readonly [hmacKeyBrand]: true;
}
/** A verification key prepared by `publicKey`; opaque. */
export interface PublicKey {
  readonly [publicKeyBrand]: true;
  readonly algorithm: PublicKeyAlgorithm;
}

/**
 * A public key as senders publish them:
 * - `raw`: Ed25519's 32 bytes, or a P-256 point (65 bytes, uncompressed `04…`);
 * - `spki`: DER SubjectPublicKeyInfo bytes (any algorithm);
 * - `pem`: `-----BEGIN PUBLIC KEY-----` text (SPKI; PKCS#1 `RSA PUBLIC KEY` is not accepted).
 */
export type PublicKeyInput =
  | { format: 'raw'; bytes: Uint8Array }
  | { format: 'spki'; bytes: Uint8Array }
  | { format: 'pem'; text: string };

export interface PublicKeyOptions {
  /**
   * How an ECDSA signature is written: `der` (ASN.1, what OpenSSL and most
   * senders emit; the default) or `ieee-p1363` (r‖s, 64 bytes, as in JWS).
   */
  ecdsaSignature?: 'der' | 'ieee-p1363';
}

export interface CryptoBackend {
  /** Which implementation was chosen: shown by `cryptoBackend` from the main entry. */
  readonly name: 'node:crypto' | 'web-crypto';
  /** Prepares an HMAC secret (a string is taken as UTF-8). Throws a config error when empty. */
  hmacKey(secret: string | Uint8Array): HmacKey;
  /**
   * True when any key's HMAC over the parts, written out in `encoding`, equals
   * one of the candidate texts. Candidates are compared as text with our
   * canonical encoding, in constant time, never decoded: only the canonical
   * text matches (no case, alphabet or padding leniency). Candidates of the
   * wrong length are dropped up front (lengths are public).
   */
  hmacMatches(
    algorithm: HmacAlgorithm,
    encoding: SignatureEncoding,
    keys: readonly HmacKey[],
    parts: readonly MessagePart[],
    candidates: readonly string[],
  ): MaybePromise<boolean>;
  /** Prepares a public key; throws a config error when the input is not a key of that algorithm. */
  publicKey(algorithm: PublicKeyAlgorithm, input: PublicKeyInput, options?: PublicKeyOptions): PublicKey;
  /** True when any of the signatures (decoded bytes) verifies under any of the keys over the parts. */
  publicKeyVerifies(
    keys: readonly PublicKey[],
    parts: readonly MessagePart[],
    signatures: readonly Uint8Array[],
  ): MaybePromise<boolean>;
  /** A hash of the parts. */
  digest(algorithm: DigestAlgorithm, parts: readonly MessagePart[]): MaybePromise<Uint8Array>;
  /**
   * A matcher for shared tokens (static secrets sent as they are): compares
   * digests in constant time, so neither content nor length leaks.
   */
  secretMatcher(secrets: readonly string[]): (presented: string) => MaybePromise<boolean>;
  /** Constant-time equality of two byte strings; lengths are public. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

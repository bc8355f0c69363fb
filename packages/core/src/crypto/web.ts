/**
 * The Web Crypto (`crypto.subtle`) implementation of the crypto layer (see
 * ./types.ts), for Bun, Deno, workerd, edge runtimes and browsers. Nothing here
 * imports a Node built-in. Keys are imported into CryptoKeys once, on first use.
 */
import { joinParts, toBase64, toHex, utf8Encode } from '../bytes.js';
import { configError } from '../errors.js';
import {
  constantTimeEqual,
  constantTimeEqualText,
  derToP1363,
  signatureLength,
  spkiFromPem,
  spkiFromRaw,
  spkiNames,
} from './shared.js';
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

export const name = 'web-crypto';

/** The part of Web Crypto used here, typed locally: the package's types do not need the DOM lib. */
interface WebCryptoKey {
  readonly type: string;
}
type WebAlgorithm = string | { readonly name: string; readonly [parameter: string]: unknown };
interface SubtleCrypto {
  importKey(
    format: 'raw' | 'spki',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: WebAlgorithm,
    extractable: boolean,
    usages: string[],
  ): Promise<WebCryptoKey>;
  sign(algorithm: WebAlgorithm, key: WebCryptoKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  verify(
    algorithm: WebAlgorithm,
    key: WebCryptoKey,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
  digest(algorithm: string, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

const HASH_NAMES: Record<DigestAlgorithm, string> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

let found: SubtleCrypto | undefined;

/** crypto.subtle, looked up once (on first use, so loading never fails where it is missing). */
function subtle(): SubtleCrypto {
  found ??= (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (found === undefined) throw new Error('hookgate: this runtime has neither node:crypto nor crypto.subtle');
  return found;
}

/** Web Crypto takes BufferSource; a Uint8Array over a SharedArrayBuffer is not one, so copy those. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

class WebHmacKey {
  readonly #imported = new Map<HmacAlgorithm, Promise<WebCryptoKey>>();
  constructor(readonly bytes: Uint8Array) {}

  /** A CryptoKey is bound to its hash: one import per algorithm, kept. */
  forAlgorithm(algorithm: HmacAlgorithm): Promise<WebCryptoKey> {
    const known = this.#imported.get(algorithm);
    if (known !== undefined) return known;
    const key = subtle().importKey('raw', source(this.bytes), { name: 'HMAC', hash: HASH_NAMES[algorithm] }, false, [
      'sign',
    ]);
    this.#imported.set(algorithm, key);
    return key;
  }
}

export function hmacKey(secret: string | Uint8Array): HmacKey {
  if (secret.length === 0) throw configError('an HMAC secret must not be empty');
  return new WebHmacKey(typeof secret === 'string' ? utf8Encode(secret) : new Uint8Array(secret)) as unknown as HmacKey;
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return constantTimeEqual(a, b);
}

function encode(bytes: Uint8Array, encoding: SignatureEncoding): string {
  return encoding === 'hex' ? toHex(bytes) : toBase64(bytes, encoding === 'base64url');
}

export function hmacMatches(
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  keys: readonly HmacKey[],
  parts: readonly MessagePart[],
  candidates: readonly string[],
): boolean | Promise<boolean> {
  const length = signatureLength(encoding, algorithm);
  const presented = candidates.filter((candidate) => candidate.length === length);
  // Settled without Web Crypto: nothing of the right length was presented.
  if (presented.length === 0 || keys.length === 0) return false;
  return matchAny(algorithm, encoding, keys as unknown as readonly WebHmacKey[], parts, presented);
}

async function matchAny(
  algorithm: HmacAlgorithm,
  encoding: SignatureEncoding,
  keys: readonly WebHmacKey[],
  parts: readonly MessagePart[],
  presented: readonly string[],
): Promise<boolean> {
  const content = source(joinParts(parts));
  for (const key of keys) {
    const mac = new Uint8Array(await subtle().sign('HMAC', await key.forAlgorithm(algorithm), content));
    // The same comparison as on Node: our canonical text against theirs, in constant time.
    const expected = encode(mac, encoding);
    for (const candidate of presented) {
      if (constantTimeEqualText(expected, candidate)) return true;
    }
  }
  return false;
}

interface WebPublicKey {
  readonly algorithm: PublicKeyAlgorithm;
  readonly key: Promise<WebCryptoKey>;
  readonly ecdsaSignature: 'der' | 'ieee-p1363';
}

const IMPORT_PARAMS: Record<PublicKeyAlgorithm, WebAlgorithm> = {
  ed25519: { name: 'Ed25519' },
  'ecdsa-p256-sha256': { name: 'ECDSA', namedCurve: 'P-256' },
  'rsa-sha256': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};
const VERIFY_PARAMS: Record<PublicKeyAlgorithm, WebAlgorithm> = {
  ed25519: { name: 'Ed25519' },
  'ecdsa-p256-sha256': { name: 'ECDSA', hash: 'SHA-256' },
  'rsa-sha256': { name: 'RSASSA-PKCS1-v1_5' },
};

export function publicKey(algorithm: PublicKeyAlgorithm, input: PublicKeyInput, options?: PublicKeyOptions): PublicKey {
  // Checked now, so a wrong key fails at construction as on Node; the import itself is asynchronous.
  const spki =
    input.format === 'raw'
      ? spkiFromRaw(algorithm, input.bytes)
      : input.format === 'pem'
        ? spkiFromPem(input.text)
        : new Uint8Array(input.bytes);
  if (!spkiNames(algorithm, spki)) throw configError(`the public key is not a ${algorithm} key (${input.format})`);
  const key = subtle().importKey('spki', source(spki), IMPORT_PARAMS[algorithm], false, ['verify']);
  // A key Web Crypto refuses fails every verification (500); never an unhandled rejection meanwhile.
  key.catch(() => {});
  const prepared: WebPublicKey = { algorithm, key, ecdsaSignature: options?.ecdsaSignature ?? 'der' };
  return prepared as unknown as PublicKey;
}

export function publicKeyVerifies(
  keys: readonly PublicKey[],
  parts: readonly MessagePart[],
  signatures: readonly Uint8Array[],
): boolean | Promise<boolean> {
  if (keys.length === 0 || signatures.length === 0) return false;
  return verifyAny(keys as unknown as readonly WebPublicKey[], parts, signatures);
}

async function verifyAny(
  keys: readonly WebPublicKey[],
  parts: readonly MessagePart[],
  signatures: readonly Uint8Array[],
): Promise<boolean> {
  const content = source(joinParts(parts));
  for (const prepared of keys) {
    const key = await prepared.key;
    for (const signature of signatures) {
      const bytes =
        prepared.algorithm === 'ecdsa-p256-sha256' && prepared.ecdsaSignature === 'der'
          ? derToP1363(signature)
          : signature;
      if (bytes === undefined) continue;
      if (await subtle().verify(VERIFY_PARAMS[prepared.algorithm], key, source(bytes), content)) return true;
    }
  }
  return false;
}

export async function digest(algorithm: DigestAlgorithm, parts: readonly MessagePart[]): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(HASH_NAMES[algorithm], source(joinParts(parts))));
}

export function secretMatcher(secrets: readonly string[]): (presented: string) => Promise<boolean> {
  const expected = Promise.all(secrets.map((secret) => digest('sha256', [secret])));
  expected.catch(() => {});
  return async (presented) => {
    const [digested, candidates] = await Promise.all([digest('sha256', [presented]), expected]);
    let matched = false;
    for (const candidate of candidates) matched = constantTimeEqual(digested, candidate) || matched;
    return matched;
  };
}

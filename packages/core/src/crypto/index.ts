/**
 * The crypto layer schemes call (API and choice of implementation: ./types.ts).
 * `#crypto` resolves, once, to ./node.ts or ./web.ts through package.json
 * `imports`; this module types it as the shared CryptoBackend, so every scheme
 * handles both the synchronous and the asynchronous implementation.
 */
import * as chosen from '#crypto';
import type { CryptoBackend } from './types.js';

const backend: CryptoBackend = chosen;

export const cryptoName: CryptoBackend['name'] = backend.name;
export const hmacKey: CryptoBackend['hmacKey'] = backend.hmacKey;
export const hmacMatches: CryptoBackend['hmacMatches'] = backend.hmacMatches;
export const publicKey: CryptoBackend['publicKey'] = backend.publicKey;
export const publicKeyVerifies: CryptoBackend['publicKeyVerifies'] = backend.publicKeyVerifies;
export const digest: CryptoBackend['digest'] = backend.digest;
export const secretMatcher: CryptoBackend['secretMatcher'] = backend.secretMatcher;
export const timingSafeEqual: CryptoBackend['timingSafeEqual'] = backend.timingSafeEqual;

export type {
  CryptoBackend,
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

import { digest, type MessagePart } from '../crypto/index.js';
import type { MaybePromise } from '../types.js';
import { andThen } from './secrets.js';

const BLOCK = 64;

/**
 * HMAC-SHA256 built on the crypto layer's plain SHA-256, for the rare answer a
 * handshake must compute (Zoom's encryptedToken): the layer only checks HMACs.
 * Keys longer than a block are not needed here (a secret token is shorter).
 */
export function hmacSha256(key: Uint8Array, message: MessagePart): MaybePromise<Uint8Array> {
  if (key.length > BLOCK) throw new RangeError('hmacSha256: keys longer than 64 bytes are not supported');
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let index = 0; index < BLOCK; index++) {
    const byte = key[index] ?? 0;
    inner[index] = byte ^ 0x36;
    outer[index] = byte ^ 0x5c;
  }
  return andThen(digest('sha256', [inner, message]), (innerHash) => digest('sha256', [outer, innerHash]));
}

import { digest, type MessagePart } from '../crypto/index.js';

const BLOCK = 64;

/**
 * HMAC-SHA256 built on the crypto layer's plain SHA-256, for the rare answer a
 * handshake must compute (Zoom's encryptedToken): the layer only checks HMACs.
 */
export function hmacSha256(key: Uint8Array, message: MessagePart): Uint8Array {
  let block = key.length > BLOCK ? digest('sha256', [key]) : key;
  const padded = new Uint8Array(BLOCK);
  padded.set(block);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let index = 0; index < BLOCK; index++) {
    inner[index] = (padded[index] as number) ^ 0x36;
    outer[index] = (padded[index] as number) ^ 0x5c;
  }
  block = digest('sha256', [inner, message]);
  return digest('sha256', [outer, block]);
}

import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface PaddleOptions extends SecretOptions {}

export const PADDLE_REDELIVERY: RedeliveryProfile = {
  retries: 60,
  horizonMs: 3 * 24 * 60 * 60 * 1000,
  timeoutMs: 5_000,
  notes: 'live: 60 retries over 3 days with backoff; sandbox: 3 retries within 15 minutes',
};

/**
 * Paddle Billing: `Paddle-Signature: ts=<seconds>;h1=<hex HMAC-SHA256 of "<ts>:<body>">`
 * (several `h1` while a secret rotates). The id is the body's `event_id`, the
 * type its `event_type` (`transaction.completed`).
 */
export function paddle(options: PaddleOptions): Scheme {
  return custom({
    ...options,
    name: 'paddle',
    signature: { header: 'paddle-signature', pairs: { separator: ';', signature: 'h1' } },
    algorithm: 'hmac-sha256',
    encoding: 'hex',
    signedContent: '{timestamp}:{body}',
    timestamp: { pair: 'ts' },
    id: { body: 'event_id' },
    type: { body: 'event_type' },
    redelivery: PADDLE_REDELIVERY,
  });
}

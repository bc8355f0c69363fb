import { configError } from '../errors.js';
import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface SquareOptions extends SecretOptions {
  /** The subscription's notification URL exactly as registered with Square: it is signed. */
  notificationUrl: string;
}

export const SQUARE_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  horizonMs: 72 * 60 * 60 * 1000,
  timeoutMs: 10_000,
  notes:
    'retries with backoff for up to 72 hours (square-retry-number counts them); disables a subscription after 3 weeks without a 2xx',
};

/**
 * Square: `x-square-hmacsha256-signature: <base64 HMAC-SHA256 of notificationUrl + body>`,
 * keyed by the subscription's signature key. The id is the body's `event_id`,
 * the type its `type` (`payment.updated`); Square signs no timestamp.
 */
export function square(options: SquareOptions): Scheme {
  if (!options || typeof options.notificationUrl !== 'string' || options.notificationUrl === '') {
    throw configError('square: notificationUrl is required (the URL registered with Square; it is signed)');
  }
  const { notificationUrl, ...rest } = options;
  return custom({
    ...rest,
    name: 'square',
    signature: { header: 'x-square-hmacsha256-signature' },
    algorithm: 'hmac-sha256',
    encoding: 'base64',
    signedContent: '{url}{body}',
    url: notificationUrl,
    id: { body: 'event_id' },
    type: { body: 'type' },
    redelivery: SQUARE_REDELIVERY,
  });
}

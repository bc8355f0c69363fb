import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface LinearOptions extends SecretOptions {}

export const LINEAR_REDELIVERY: RedeliveryProfile = {
  retries: 3,
  horizonMs: (60 + 3600 + 6 * 3600) * 1000,
  timeoutMs: 5_000,
  notes: 'retries a failed delivery after 1 minute, 1 hour and 6 hours',
};

/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256 of the body>`. The send time is
 * the body's `webhookTimestamp` (milliseconds, signed with the body); the type is
 * the body's `type` (`Issue`, `Comment`…), the action its `action`; the delivery
 * id is `Linear-Delivery` (a header Linear does not sign: the timestamp window
 * bounds how long a captured body can be replayed under a new one).
 */
export function linear(options: LinearOptions): Scheme {
  return custom({
    ...options,
    name: 'linear',
    signature: { header: 'linear-signature' },
    algorithm: 'hmac-sha256',
    encoding: 'hex',
    timestamp: { body: 'webhookTimestamp', format: 'ms' },
    id: { header: 'linear-delivery' },
    type: { body: 'type' },
    redelivery: LINEAR_REDELIVERY,
  });
}

import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface VercelOptions extends SecretOptions {}

export const VERCEL_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  notes: 'Vercel does not document a retry schedule',
};

/**
 * Vercel: `x-vercel-signature: <hex HMAC-SHA1 of the body>`, keyed by the
 * webhook's secret (or an integration's client secret). The id and type are the
 * body's `id` and `type` (`deployment.succeeded`); Vercel signs no timestamp.
 */
export function vercel(options: VercelOptions): Scheme {
  return custom({
    ...options,
    name: 'vercel',
    signature: { header: 'x-vercel-signature' },
    algorithm: 'hmac-sha1',
    encoding: 'hex',
    id: { body: 'id' },
    type: { body: 'type' },
    redelivery: VERCEL_REDELIVERY,
  });
}

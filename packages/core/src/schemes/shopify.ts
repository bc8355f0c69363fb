import type { Scheme } from '../types.js';
import {
  collectSecrets,
  hmacKeys,
  requireHeader,
  type SecretOptions,
  signatureMatches,
  throwingUnmatched,
  verifiedWhen,
} from './shared.js';

export interface ShopifyOptions extends SecretOptions {}

const HEADER = 'x-shopify-hmac-sha256';

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`; the type
 * is `x-shopify-topic` (`orders/create`); the dedupe key is `x-shopify-event-id`,
 * else `x-shopify-webhook-id`. Shopify signs no timestamp.
 */
export function shopify(options: ShopifyOptions): Scheme {
  const keys = hmacKeys(collectSecrets(options, 'shopify'));
  return throwingUnmatched({
    name: 'shopify',
    check(request) {
      const candidate = requireHeader(request, HEADER).trim();
      return verifiedWhen(signatureMatches('sha256', 'base64', keys, [request.body], [candidate]), {});
    },
    describe(_payload, request) {
      const { headers } = request;
      return {
        id: headers['x-shopify-event-id'] || headers['x-shopify-webhook-id'] || undefined,
        type: headers['x-shopify-topic'] || undefined,
      };
    },
  });
}

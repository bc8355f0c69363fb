import type { RedeliveryProfile, Scheme } from '../types.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import { requireHeader, throwingUnmatched } from './shared.js';

export interface ShopifyOptions extends SecretOptions {}

const HEADER = 'x-shopify-hmac-sha256';
const BASE64_SHA256 = hmacMatcher('sha256', 'base64');
/** Shopify's newer header family drops the `x-` prefix; its own library now prefers it. */
const NEW_HEADER = 'shopify-hmac-sha256';

export const SHOPIFY_REDELIVERY: RedeliveryProfile = {
  retries: 8,
  horizonMs: 4 * 60 * 60 * 1000,
  timeoutMs: 5_000,
  notes: 'retries any non-2xx or timeout 8 times over 4 hours with backoff; may then remove the subscription',
};

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`; the type
 * is `x-shopify-topic` (`orders/create`); the dedupe key is `x-shopify-event-id`,
 * else `x-shopify-webhook-id`. The same headers without `x-` (`shopify-hmac-sha256`,
 * `shopify-topic`, `shopify-event-id`, `shopify-webhook-id`) are read alike.
 * Shopify signs no timestamp.
 */
export function shopify(options: ShopifyOptions): Scheme {
  const keys = hmacKeyring(collectSecrets(options, 'shopify'), options.now);
  return throwingUnmatched({
    name: 'shopify',
    redelivery: SHOPIFY_REDELIVERY,
    signatureHeaders: [HEADER, NEW_HEADER],
    check(request) {
      const name =
        request.headers[HEADER] === undefined && request.headers[NEW_HEADER] !== undefined ? NEW_HEADER : HEADER;
      const candidates = [requireHeader(request, name).trim()];
      return verifiedBy(keys.match(BASE64_SHA256, [request.body], candidates));
    },
    describe(_payload, request) {
      const { headers } = request;
      return {
        id:
          headers['x-shopify-event-id'] ||
          headers['shopify-event-id'] ||
          headers['x-shopify-webhook-id'] ||
          headers['shopify-webhook-id'] ||
          undefined,
        type: headers['x-shopify-topic'] || headers['shopify-topic'] || undefined,
      };
    },
  });
}

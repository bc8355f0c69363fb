import { rejection } from '../errors.js';
import type { Scheme } from '../types.js';
import {
  collectSecrets,
  hmacKeys,
  parseTimestampHeader,
  requireHeader,
  type SecretOptions,
  signatureMatches,
  stringField,
  throwingUnmatched,
  verifiedWhen,
} from './shared.js';

export interface StripeOptions extends SecretOptions {}

const HEADER = 'stripe-signature';

/**
 * Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 over
 * `<t>.<body>` keyed by the endpoint secret's UTF-8 bytes (`whsec_` included).
 * The dedupe key is the event `id` in the body.
 */
export function stripe(options: StripeOptions): Scheme {
  const keys = hmacKeys(collectSecrets(options, 'stripe'));
  return throwingUnmatched({
    name: 'stripe',
    check(request) {
      const header = requireHeader(request, HEADER);
      let timestampText: string | undefined;
      const candidates: string[] = [];
      for (const item of header.split(',')) {
        const eq = item.indexOf('=');
        if (eq <= 0) continue;
        const name = item.slice(0, eq).trim();
        const value = item.slice(eq + 1).trim();
        if (name === 't') timestampText = value;
        else if (name === 'v1') candidates.push(value);
      }
      if (timestampText === undefined) throw rejection('malformed_header', `Header ${HEADER} has no timestamp`);
      const timestamp = parseTimestampHeader(timestampText, HEADER);
      // One update for the short prefix (each update() is a native call), one for the body.
      return verifiedWhen(signatureMatches('sha256', 'hex', keys, [`${timestampText}.`, request.body], candidates), {
        timestamp,
      });
    },
    describe(payload) {
      return { id: stringField(payload, 'id'), type: stringField(payload, 'type') };
    },
  });
}

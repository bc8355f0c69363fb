import { rejection } from '../errors.js';
import type { RedeliveryProfile, Scheme } from '../types.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import { parseTimestampHeader, requireHeader, stringField, throwingUnmatched } from './shared.js';

export interface StripeOptions extends SecretOptions {}

const HEADER = 'stripe-signature';
const HEX_SHA256 = hmacMatcher('sha256', 'hex');

export const STRIPE_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  horizonMs: 3 * 24 * 60 * 60 * 1000,
  notes: 'live mode retries any non-2xx with exponential backoff for up to 3 days; test mode 3 times over a few hours',
};

/** A Stripe API key is not a webhook signing secret: say so instead of failing every delivery 401. */
function apiKeyGivenAsSecret(secret: string): string | undefined {
  if (/^(sk|rk)_(live|test)_/.test(secret) || /^(sk|rk)_/.test(secret)) {
    return "is a Stripe API key (sk_…/rk_…), not a webhook signing secret: use the endpoint's signing secret, which starts with whsec_ (Dashboard → Webhooks → your endpoint → Signing secret, or the one `stripe listen` prints)";
  }
  if (/^pk_/.test(secret)) {
    return "is a Stripe publishable key (pk_…), not a webhook signing secret: use the endpoint's signing secret, which starts with whsec_";
  }
  return undefined;
}

/**
 * Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 over
 * `<t>.<body>` keyed by the endpoint secret's UTF-8 bytes (`whsec_` included).
 * The dedupe key is the event `id` in the body.
 */
export function stripe(options: StripeOptions): Scheme {
  const keys = hmacKeyring(collectSecrets(options, 'stripe', apiKeyGivenAsSecret), options.now);
  return throwingUnmatched({
    name: 'stripe',
    redelivery: STRIPE_REDELIVERY,
    signatureHeaders: [HEADER],
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
      const parts = [`${timestampText}.`, request.body];
      const matched = keys.match(HEX_SHA256, parts, candidates);
      return verifiedBy(matched, undefined, timestamp);
    },
    describe(payload) {
      return { id: stringField(payload, 'id'), type: stringField(payload, 'type') };
    },
  });
}

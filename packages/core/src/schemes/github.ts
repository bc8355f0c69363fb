import { rejection } from '../errors.js';
import type { RedeliveryProfile, Scheme } from '../types.js';
import { parseJsonOrWrapped } from './payload.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import { requireHeader, stringField, throwingUnmatched } from './shared.js';

export interface GitHubOptions extends SecretOptions {}

const HEADER = 'x-hub-signature-256';
const HEX_SHA256 = hmacMatcher('sha256', 'hex');
const PREFIX = 'sha256=';

export const GITHUB_REDELIVERY: RedeliveryProfile = {
  retries: 0,
  timeoutMs: 10_000,
  notes: 'never redelivers on its own; failed deliveries can be redelivered by hand or through the API for 3 days',
};

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
 * The type is `x-github-event` plus the payload's `action` (`issues.opened`);
 * the delivery id is `x-github-delivery`. Both content types GitHub offers
 * verify and parse: `application/json`, and `application/x-www-form-urlencoded`
 * (the default for a new hook: the JSON in a `payload` field; the signature
 * covers the form body). Which one is judged by the signed bytes, not the
 * Content-Type. GitHub signs no timestamp and not its headers: dedupe stops a
 * retried or re-sent delivery, but a captured body replayed under a new
 * delivery id verifies. Keep the secret secret.
 */
export function github(options: GitHubOptions): Scheme {
  const keys = hmacKeyring(collectSecrets(options, 'github'), options.now);
  return throwingUnmatched({
    name: 'github',
    redelivery: GITHUB_REDELIVERY,
    signatureHeaders: [HEADER, 'x-hub-signature'],
    check(request) {
      const header = requireHeader(request, HEADER);
      if (!header.startsWith(PREFIX)) throw rejection('malformed_header', `Header ${HEADER} must start with ${PREFIX}`);
      const candidates = [header.slice(PREFIX.length)];
      return verifiedBy(keys.match(HEX_SHA256, [request.body], candidates));
    },
    parse(request) {
      return parseJsonOrWrapped(request.body);
    },
    describe(payload, request) {
      const event = request.headers['x-github-event'];
      const action = stringField(payload, 'action');
      return {
        id: request.headers['x-github-delivery'] || undefined,
        type: event === undefined || event === '' ? undefined : action === undefined ? event : `${event}.${action}`,
      };
    },
  });
}

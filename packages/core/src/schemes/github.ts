import { rejection } from '../errors.js';
import type { Scheme } from '../types.js';
import {
  collectSecrets,
  hmacKeys,
  requireHeader,
  type SecretOptions,
  signatureMatches,
  stringField,
  throwingUnmatched,
  verifiedWhen,
} from './shared.js';

export interface GitHubOptions extends SecretOptions {}

const HEADER = 'x-hub-signature-256';
const PREFIX = 'sha256=';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
 * The type is `x-github-event` plus the payload's `action` (`issues.opened`);
 * the delivery id is `x-github-delivery`. GitHub signs no timestamp and not
 * its headers: dedupe stops a retried or re-sent delivery, but a captured body
 * replayed under a new delivery id verifies. Keep the secret secret.
 */
export function github(options: GitHubOptions): Scheme {
  const keys = hmacKeys(collectSecrets(options, 'github'));
  return throwingUnmatched({
    name: 'github',
    check(request) {
      const header = requireHeader(request, HEADER);
      if (!header.startsWith(PREFIX)) throw rejection('malformed_header', `Header ${HEADER} must start with ${PREFIX}`);
      return verifiedWhen(signatureMatches('sha256', 'hex', keys, [request.body], [header.slice(PREFIX.length)]), {});
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

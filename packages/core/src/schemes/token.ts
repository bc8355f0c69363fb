import { secretMatcher } from '../crypto/index.js';
import { configError } from '../errors.js';
import type { MaybePromise, RedeliveryProfile, Scheme } from '../types.js';
import { collectSecrets, Keyring, type SecretInput, verifiedBy } from './secrets.js';
import { headerNamed, requireHeader, stringField, throwingUnmatched } from './shared.js';

export interface TokenOptions {
  /** Names the scheme in dedupe keys and records. Default `token`. */
  name?: string;
  /** The header holding the shared token, e.g. `x-gitlab-token`. */
  header: string;
  token?: SecretInput;
  /** Several accepted at once, for rotation. */
  tokens?: readonly SecretInput[];
  /** The clock for tokens' notBefore/notAfter. Default Date.now. */
  now?: () => number;
  /** Header with the delivery id, e.g. `x-gitlab-event-uuid`. */
  idHeader?: string;
  /** Header with the event type, e.g. `x-gitlab-event`. */
  typeHeader?: string;
  /** Body field with the event type, used when `typeHeader` is absent. Default `type`. */
  typeField?: string;
  /** The sender's redelivery behaviour, when known. */
  redelivery?: RedeliveryProfile;
}

/** Every token is compared, matched or not: which one matched does not show in the timing. */
function anyTokenMatches(
  matchers: readonly ((presented: string) => MaybePromise<boolean>)[],
  presented: string,
): MaybePromise<boolean> {
  const results = matchers.map((matches) => matches(presented));
  if (results.some((result) => result instanceof Promise)) {
    return Promise.all(results).then((settled) => settled.includes(true));
  }
  return results.includes(true);
}

/**
 * A static shared token in a header (GitLab's `X-Gitlab-Token` and the like).
 * Weaker than a signature: it does not bind the body, and there is no timestamp.
 * Tokens are compared as digests, so neither their content nor their length leaks.
 */
export function token(options: TokenOptions): Scheme {
  const name = options.name ?? 'token';
  if (!options.header) throw configError(`${name}: header is required`);
  const header = options.header.toLowerCase();
  const secrets = collectSecrets({ secret: options.token, secrets: options.tokens }, name);
  const ring = new Keyring(
    secrets,
    secrets.map((secret) => secretMatcher([secret.value])),
    options.now,
  );
  const idHeader = options.idHeader?.toLowerCase();
  const typeHeader = options.typeHeader?.toLowerCase();
  const typeField = options.typeField ?? 'type';
  return throwingUnmatched({
    name,
    redelivery: options.redelivery,
    signatureHeaders: [header],
    check(request) {
      const presented = requireHeader(request, header);
      const matched = ring.match(anyTokenMatches, presented, undefined);
      return verifiedBy(matched, headerNamed(request, idHeader));
    },
    describe(payload, request, verified) {
      const typeFromHeader = headerNamed(request, typeHeader);
      return { id: verified.id, type: typeFromHeader ?? stringField(payload, typeField) };
    },
  });
}

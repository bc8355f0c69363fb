import { secretMatcher } from '../crypto/index.js';
import { configError } from '../errors.js';
import type { Scheme } from '../types.js';
import { collectSecrets, requireHeader, stringField, throwingUnmatched, verifiedWhen } from './shared.js';

export interface TokenOptions {
  /** Names the scheme in dedupe keys and records. Default `token`. */
  name?: string;
  /** The header holding the shared token, e.g. `x-gitlab-token`. */
  header: string;
  token?: string;
  /** Several accepted at once, for rotation. */
  tokens?: readonly string[];
  /** Header with the delivery id, e.g. `x-gitlab-event-uuid`. */
  idHeader?: string;
  /** Header with the event type, e.g. `x-gitlab-event`. */
  typeHeader?: string;
  /** Body field with the event type, used when `typeHeader` is absent. Default `type`. */
  typeField?: string;
}

/**
 * A static shared token in a header (GitLab's `X-Gitlab-Token` and the like).
 * Weaker than a signature: it does not bind the body, and there is no timestamp.
 */
export function token(options: TokenOptions): Scheme {
  const name = options.name ?? 'token';
  if (!options.header) throw configError(`${name}: header is required`);
  const header = options.header.toLowerCase();
  // Compared as digests: every comparison has the same length, so the token's length does not leak.
  const matches = secretMatcher(collectSecrets({ secret: options.token, secrets: options.tokens }, name));
  const idHeader = options.idHeader?.toLowerCase();
  const typeHeader = options.typeHeader?.toLowerCase();
  const typeField = options.typeField ?? 'type';
  return throwingUnmatched({
    name,
    check(request) {
      const presented = requireHeader(request, header);
      return verifiedWhen(matches(presented), {
        id: idHeader === undefined ? undefined : request.headers[idHeader] || undefined,
      });
    },
    describe(payload, request, verified) {
      const typeFromHeader = typeHeader === undefined ? undefined : request.headers[typeHeader] || undefined;
      return { id: verified.id, type: typeFromHeader ?? stringField(payload, typeField) };
    },
  });
}

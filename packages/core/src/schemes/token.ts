import { createHash } from 'node:crypto';
import { configError } from '../errors.js';
import type { Scheme } from '../types.js';
import { collectSecrets, requireHeader, safeEqual, stringField, throwingUnmatched } from './shared.js';

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

// Digests make every comparison the same length, so the token's length does not leak.
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A static shared token in a header (GitLab's `X-Gitlab-Token` and the like).
 * Weaker than a signature: it does not bind the body, and there is no timestamp.
 */
export function token(options: TokenOptions): Scheme {
  const name = options.name ?? 'token';
  if (!options.header) throw configError(`${name}: header is required`);
  const header = options.header.toLowerCase();
  const expected = collectSecrets({ secret: options.token, secrets: options.tokens }, name).map(digest);
  const idHeader = options.idHeader?.toLowerCase();
  const typeHeader = options.typeHeader?.toLowerCase();
  const typeField = options.typeField ?? 'type';
  return throwingUnmatched({
    name,
    check(request) {
      const presented = digest(requireHeader(request, header));
      let matched = false;
      for (const candidate of expected) matched = safeEqual(presented, candidate) || matched;
      if (!matched) return undefined;
      return { id: idHeader === undefined ? undefined : request.headers[idHeader] || undefined };
    },
    describe(payload, request, verified) {
      const typeFromHeader = typeHeader === undefined ? undefined : request.headers[typeHeader] || undefined;
      return { id: verified.id, type: typeFromHeader ?? stringField(payload, typeField) };
    },
  });
}

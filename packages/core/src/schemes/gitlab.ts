import { configError, rejection } from '../errors.js';
import type { RedeliveryProfile, Scheme } from '../types.js';
import type { SecretInput } from './secrets.js';
import { stringField } from './shared.js';
import { standardWebhooks } from './standard-webhooks.js';
import { token } from './token.js';

export interface GitLabOptions {
  /** The webhook's secret token, sent as it is in `X-Gitlab-Token`. */
  token?: SecretInput;
  tokens?: readonly SecretInput[];
  /** The webhook's signing token (`whsec_…`): GitLab then signs Standard Webhooks style. */
  signingToken?: SecretInput;
  signingTokens?: readonly SecretInput[];
  /** The clock for secrets' notBefore/notAfter. Default Date.now. */
  now?: () => number;
}

export const GITLAB_REDELIVERY: RedeliveryProfile = {
  retries: 0,
  timeoutMs: 10_000,
  notes:
    'no automatic retry: a failing hook is disabled for a while and then for good after repeated failures; resend by hand (Idempotency-Key stays the same)',
};

const SIGNATURE = 'webhook-signature';

/**
 * GitLab: with a signing token, Standard Webhooks signing (`webhook-id` — the
 * Idempotency-Key —, `webhook-timestamp`, `webhook-signature: v1,<base64>`);
 * with a secret token, `X-Gitlab-Token` compared in constant time (a token binds
 * nothing: the body and replays are not covered). Configure only the signing
 * token once GitLab signs, so a captured token cannot be used to forge bodies.
 * The id is `Idempotency-Key` (the same on a resend), else `X-Gitlab-Event-UUID`;
 * the type is the body's `object_kind` (`push`, `merge_request`), or `event_name`.
 */
export function gitlab(options: GitLabOptions): Scheme {
  if (!options) throw configError('gitlab: give token (X-Gitlab-Token) or signingToken (whsec_…)');
  const hasToken = options.token !== undefined || options.tokens !== undefined;
  const hasSigning = options.signingToken !== undefined || options.signingTokens !== undefined;
  if (!hasToken && !hasSigning) throw configError('gitlab: give token (X-Gitlab-Token) or signingToken (whsec_…)');
  const signed = hasSigning
    ? standardWebhooks({
        secret: options.signingToken,
        secrets: options.signingTokens,
        now: options.now,
        name: 'gitlab',
        redelivery: GITLAB_REDELIVERY,
      })
    : undefined;
  const tokened = hasToken
    ? token({
        name: 'gitlab',
        header: 'x-gitlab-token',
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.tokens === undefined ? {} : { tokens: options.tokens }),
        ...(options.now === undefined ? {} : { now: options.now }),
      })
    : undefined;
  return {
    name: 'gitlab',
    redelivery: GITLAB_REDELIVERY,
    signatureHeaders: [SIGNATURE, 'x-gitlab-token'],
    verify(request) {
      if (signed && (request.headers[SIGNATURE] !== undefined || !tokened)) return signed.verify(request);
      if (tokened) return tokened.verify(request);
      throw rejection('missing_header', `Missing required header ${SIGNATURE}`);
    },
    describe(payload, request, verified) {
      const { headers } = request;
      return {
        id: verified.id ?? (headers['idempotency-key'] || headers['x-gitlab-event-uuid'] || undefined),
        type:
          stringField(payload, 'object_kind') ??
          stringField(payload, 'event_name') ??
          (headers['x-gitlab-event'] || undefined),
      };
    },
  };
}

import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface IntercomOptions extends SecretOptions {}

export const INTERCOM_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  notes:
    "pauses a topic for 15 min after 1000 consecutive errors; suspends a private app's subscription after 7 days of errors",
};

/**
 * Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`, keyed by the
 * app's client secret. The id is the notification's `id`, the type its `topic`
 * (`conversation.user.created`); Intercom signs no timestamp.
 */
export function intercom(options: IntercomOptions): Scheme {
  return custom({
    ...options,
    name: 'intercom',
    signature: { header: 'x-hub-signature', prefix: 'sha1=' },
    algorithm: 'hmac-sha1',
    encoding: 'hex',
    id: { body: 'id' },
    type: { body: 'topic' },
    redelivery: INTERCOM_REDELIVERY,
  });
}

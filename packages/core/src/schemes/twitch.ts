import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface TwitchOptions extends SecretOptions {}

export const TWITCH_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  notes:
    'resends a notification when unsure it was received (same message id); revokes the subscription (notification_failures_exceeded) after too many failures or slow answers',
};

const MESSAGE_TYPE = 'twitch-eventsub-message-type';

/**
 * Twitch EventSub (webhook transport): `Twitch-Eventsub-Message-Signature:
 * sha256=<hex HMAC-SHA256 of id + timestamp + body>` with
 * `Twitch-Eventsub-Message-Id` and `Twitch-Eventsub-Message-Timestamp` (RFC 3339,
 * nanoseconds), keyed by the subscription's secret. The id is the (signed) message
 * id; the type is `Twitch-Eventsub-Subscription-Type` (`channel.follow`), or
 * `revocation` for a revocation message. The `webhook_callback_verification`
 * challenge (itself signed) is answered with the challenge as text/plain.
 */
export function twitch(options: TwitchOptions): Scheme {
  const scheme = custom({
    ...options,
    name: 'twitch',
    signature: { header: 'twitch-eventsub-message-signature', prefix: 'sha256=' },
    algorithm: 'hmac-sha256',
    encoding: 'hex',
    signedContent: '{id}{timestamp}{body}',
    id: { header: 'twitch-eventsub-message-id' },
    timestamp: { header: 'twitch-eventsub-message-timestamp', format: 'iso' },
    type: { header: 'twitch-eventsub-subscription-type' },
    handshake: {
      when: { headers: { [MESSAGE_TYPE]: 'webhook_callback_verification' } },
      respond: { text: { body: 'challenge' } },
    },
    redelivery: TWITCH_REDELIVERY,
  });
  const describe = scheme.describe.bind(scheme);
  return {
    ...scheme,
    describe(payload, request, verified) {
      const info = describe(payload, request, verified);
      return request.headers[MESSAGE_TYPE] === 'revocation' ? { ...info, type: 'revocation' } : info;
    },
  };
}

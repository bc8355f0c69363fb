import { toHex, utf8Encode } from '../bytes.js';
import type { MaybePromise, ReceiverResponse, RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import { hmacSha256 } from './hmac-digest.js';
import { textAt } from './payload.js';
import { andThen, collectSecrets, type SecretOptions } from './secrets.js';

export interface ZoomOptions extends SecretOptions {}

export const ZOOM_REDELIVERY: RedeliveryProfile = {
  retries: 3,
  horizonMs: (5 + 20 + 60) * 60 * 1000,
  timeoutMs: 3_000,
  notes: 'retries a delivery not answered 2xx within 3 s after 5 min, then 20 min, then 60 min',
};

const PLAIN_TOKEN = ['payload', 'plainToken'] as const;

/**
 * Zoom: `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` with
 * `x-zm-request-timestamp` (seconds), keyed by the app's secret token. The type
 * is the body's `event`; Zoom gives no delivery id, so the dedupe id is a
 * SHA-256 of the body. The `endpoint.url_validation` challenge (itself signed) is
 * answered with `{ plainToken, encryptedToken }`, encryptedToken being the hex
 * HMAC-SHA256 of plainToken under the first configured secret.
 */
export function zoom(options: ZoomOptions): Scheme {
  const first = collectSecrets(options, 'zoom')[0]?.value ?? '';
  const answerKey = utf8Encode(first);
  return custom({
    ...options,
    name: 'zoom',
    signature: { header: 'x-zm-signature', prefix: 'v0=' },
    algorithm: 'hmac-sha256',
    encoding: 'hex',
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: { header: 'x-zm-request-timestamp' },
    id: 'body-hash',
    type: { body: 'event' },
    handshake: {
      when: { body: { event: 'endpoint.url_validation' } },
      respond(payload): MaybePromise<ReceiverResponse> {
        const plainToken = textAt(payload, PLAIN_TOKEN) ?? '';
        return andThen(hmacSha256(answerKey, plainToken), (mac) => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ plainToken, encryptedToken: toHex(mac) }),
        }));
      },
    },
    redelivery: ZOOM_REDELIVERY,
  });
}

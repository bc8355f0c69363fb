import type { RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import type { SecretOptions } from './secrets.js';

export interface HookdeckOptions extends SecretOptions {
  /** Body field with the forwarded event's type. Default `type`. */
  typeField?: string;
}

export const HOOKDECK_REDELIVERY: RedeliveryProfile = {
  retries: undefined,
  notes: "retries by the connection's retry rule (count, interval, linear or exponential), set in Hookdeck",
};

/**
 * Hookdeck (Event Gateway) forwarding: `x-hookdeck-signature: <base64 HMAC-SHA256
 * of the body>`, keyed by the destination's webhook secret. The id is
 * `x-hookdeck-eventid` (the same on every attempt; a header Hookdeck does not
 * sign), the type a body field (`type` by default: the original sender's).
 */
export function hookdeck(options: HookdeckOptions): Scheme {
  const { typeField, ...rest } = options;
  return custom({
    ...rest,
    name: 'hookdeck',
    signature: { header: 'x-hookdeck-signature' },
    algorithm: 'hmac-sha256',
    encoding: 'base64',
    id: { header: 'x-hookdeck-eventid' },
    type: { body: typeField ?? 'type' },
    redelivery: HOOKDECK_REDELIVERY,
  });
}

import type { ReceiverResponse, RedeliveryProfile, Scheme } from '../types.js';
import { custom } from './custom.js';
import { textAt, valueAt } from './payload.js';
import type { SecretInput } from './secrets.js';

export interface DiscordOptions {
  /** The application's public key (hex, from the Developer Portal). */
  publicKey?: SecretInput<string | Uint8Array>;
  /** Several, for rotation. */
  publicKeys?: readonly SecretInput<string | Uint8Array>[];
  /** The clock for keys' notBefore/notAfter. Default Date.now. */
  now?: () => number;
}

export const DISCORD_REDELIVERY: RedeliveryProfile = {
  retries: 0,
  timeoutMs: 3_000,
  notes: 'an interaction is never redelivered: it must be answered within 3 s',
};

const INTERACTION_TYPES: Record<number, string> = {
  1: 'PING',
  2: 'APPLICATION_COMMAND',
  3: 'MESSAGE_COMPONENT',
  4: 'APPLICATION_COMMAND_AUTOCOMPLETE',
  5: 'MODAL_SUBMIT',
};
const EVENT_TYPE = ['event', 'type'] as const;
const ID = ['id'] as const;

/** A Webhook Events delivery (`{ version: 1, type: 0 | 1, event }`), not an interaction. */
function isWebhookEvent(payload: unknown): boolean {
  return (
    valueAt(payload, ['version']) === 1 &&
    (valueAt(payload, ['type']) === 0 || valueAt(payload, ['type']) === 1) &&
    !Object.hasOwn(payload as object, 'token')
  );
}

/**
 * Discord interactions (and Webhook Events): `X-Signature-Ed25519: <hex Ed25519
 * signature of timestamp + body>` with `X-Signature-Timestamp` (seconds),
 * verified with the application's public key. The PING interaction (type 1) is
 * answered `{"type":1}`; a Webhook Events PING (type 0) is answered 204; both only
 * once signed. An interaction's id is its `id`, its type the interaction type's
 * name (`APPLICATION_COMMAND`…); a webhook event's type is `event.type`
 * (`APPLICATION_AUTHORIZED`…), its id a SHA-256 of the body.
 */
export function discord(options: DiscordOptions): Scheme {
  const scheme = custom({
    publicKey: options.publicKey,
    publicKeys: options.publicKeys,
    now: options.now,
    name: 'discord',
    signature: { header: 'x-signature-ed25519' },
    algorithm: 'ed25519',
    encoding: 'hex',
    signedContent: '{timestamp}{body}',
    timestamp: { header: 'x-signature-timestamp' },
    // A webhook event has no id: a SHA-256 of the body stands in (an interaction uses its own id).
    id: 'body-hash',
    redelivery: DISCORD_REDELIVERY,
  });
  return {
    ...scheme,
    respond(payload): ReceiverResponse | undefined {
      const type = valueAt(payload, ['type']);
      if (isWebhookEvent(payload)) return type === 0 ? { status: 204, headers: {}, body: '' } : undefined;
      if (type !== 1) return undefined;
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"type":1}' };
    },
    describe(payload, _request, verified) {
      if (isWebhookEvent(payload)) return { id: verified.id, type: textAt(payload, EVENT_TYPE) };
      const type = valueAt(payload, ['type']);
      return {
        id: textAt(payload, ID),
        type: typeof type === 'number' ? (INTERACTION_TYPES[type] ?? String(type)) : undefined,
      };
    },
  };
}

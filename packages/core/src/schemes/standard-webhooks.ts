import { fromBase64, toBase64 } from '../bytes.js';
import { publicKey, publicKeyVerifies } from '../crypto/index.js';
import type { PublicKey } from '../crypto/types.js';
import { configError, rejection } from '../errors.js';
import type { MaybePromise, Scheme, SchemeRequest } from '../types.js';
import {
  collectSecrets,
  hmacKeys,
  parseTimestampHeader,
  type SecretOptions,
  signatureMatches,
  stringField,
  throwingUnmatched,
  verifiedWhen,
} from './shared.js';

export interface StandardWebhooksOptions extends SecretOptions {}

const HMAC_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
const MAX_SIGNATURE_ENTRIES = 10;

/** Standard Webhooks' headers, and the Svix names for the same three values. */
const HEADER_SETS = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

function decodeBase64Secret(text: string, what: string): Uint8Array {
  const bytes = text.length === 0 ? undefined : fromBase64(text);
  if (bytes === undefined) throw configError(`standardWebhooks: ${what} is not valid base64`);
  if (bytes.length === 0) throw configError(`standardWebhooks: ${what} is empty`);
  return bytes;
}

function ed25519PublicKeyFromRaw(raw: Uint8Array): PublicKey {
  if (raw.length !== 32) throw configError('standardWebhooks: a whpk_ public key must be 32 bytes');
  return publicKey('ed25519', { format: 'raw', bytes: raw });
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, and
 * `webhook-signature` holding space-separated `v1,<base64 HMAC-SHA256>` and
 * `v1a,<base64 Ed25519>` entries over `<id>.<timestamp>.<body>`.
 * Secrets are `whsec_…` (HMAC) or `whpk_…` (Ed25519 public keys).
 */
export function standardWebhooks(options: StandardWebhooksOptions): Scheme {
  const secrets = collectSecrets(options, 'standardWebhooks');
  const hmacSecrets: Uint8Array[] = [];
  const publicKeys: PublicKey[] = [];
  for (const secret of secrets) {
    if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
      publicKeys.push(
        ed25519PublicKeyFromRaw(decodeBase64Secret(secret.slice(PUBLIC_KEY_PREFIX.length), 'a whpk_ key')),
      );
    } else {
      const text = secret.startsWith(HMAC_PREFIX) ? secret.slice(HMAC_PREFIX.length) : secret;
      hmacSecrets.push(decodeBase64Secret(text, 'a whsec_ secret'));
    }
  }
  const keys = hmacKeys(hmacSecrets);

  return throwingUnmatched({
    name: 'standard-webhooks',
    check(request: SchemeRequest) {
      const { headers } = request;
      const names = headers['webhook-signature'] !== undefined ? HEADER_SETS[0] : HEADER_SETS[1];
      const id = headers[names.id];
      const timestampText = headers[names.timestamp];
      const signatureHeader = headers[names.signature];
      if (signatureHeader === undefined || signatureHeader === '') {
        throw rejection('missing_header', 'Missing required header webhook-signature');
      }
      if (id === undefined || id === '') throw rejection('missing_header', `Missing required header ${names.id}`);
      if (timestampText === undefined || timestampText === '') {
        throw rejection('missing_header', `Missing required header ${names.timestamp}`);
      }
      const timestamp = parseTimestampHeader(timestampText, names.timestamp);

      const hmacCandidates: string[] = [];
      const ed25519Candidates: Uint8Array[] = [];
      let wellFormed = 0;
      // A sender lists a few signatures (rotation); hundreds would only make us verify in a loop.
      for (const entry of signatureHeader.split(' ', MAX_SIGNATURE_ENTRIES)) {
        const comma = entry.indexOf(',');
        if (comma <= 0) continue;
        wellFormed++;
        const version = entry.slice(0, comma);
        const value = entry.slice(comma + 1);
        if (version === 'v1') hmacCandidates.push(value);
        else if (version === 'v1a') {
          // Only the canonical text of a 64-byte signature: no padding or unused-bit leniency.
          const decoded = value.length === 88 ? fromBase64(value) : undefined;
          if (decoded?.length === 64 && toBase64(decoded) === value) ed25519Candidates.push(decoded);
        }
      }
      if (wellFormed === 0)
        throw rejection('malformed_header', `Header ${names.signature} has no version,signature entry`);

      // The short header parts go in as one string: each update() is a native call
      // costing about as much as hashing 100 bytes; the body is never copied.
      const hmacMatched =
        keys.length > 0 &&
        signatureMatches('sha256', 'base64', keys, [`${id}.${timestampText}.`, request.body], hmacCandidates);
      // Settled synchronously (always so on Node): nothing is allocated for a rejection.
      if (hmacMatched === true) return { id, timestamp };
      if (publicKeys.length === 0 || ed25519Candidates.length === 0) {
        return hmacMatched === false ? undefined : verifiedWhen(hmacMatched, { id, timestamp });
      }
      const parts = [`${id}.${timestampText}.`, request.body];
      const ed25519 = () => publicKeyVerifies(publicKeys, parts, ed25519Candidates);
      return verifiedWhen(hmacMatched === false ? ed25519() : orElse(hmacMatched, ed25519), { id, timestamp });
    },
    describe(payload, _request, verified) {
      return { id: verified.id, type: stringField(payload, 'type') };
    },
  });
}

/** The first match, else the second (asked only when the first did not match). */
async function orElse(first: Promise<boolean>, second: () => MaybePromise<boolean>): Promise<boolean> {
  return (await first) || second();
}

import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import { configError, rejection } from '../errors.js';
import type { Scheme, SchemeRequest } from '../types.js';
import { SENDER_PROFILES } from './profiles.js';
import {
  collectSecrets,
  hmacKeys,
  parseTimestampHeader,
  type SecretOptions,
  signatureMatches,
  stringField,
  throwingUnmatched,
} from './shared.js';

export interface StandardWebhooksOptions extends SecretOptions {}

const HMAC_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
/** SPKI header of an Ed25519 public key; the raw 32 key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const MAX_SIGNATURE_ENTRIES = 10;

/** Standard Webhooks' headers, and the Svix names for the same three values. */
const HEADER_SETS = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

function decodeBase64Secret(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw configError(`standardWebhooks: ${what} is not valid base64`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw configError(`standardWebhooks: ${what} is empty`);
  return bytes;
}

export function ed25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw configError('standardWebhooks: a whpk_ public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, and
 * `webhook-signature` holding space-separated `v1,<base64 HMAC-SHA256>` and
 * `v1a,<base64 Ed25519>` entries over `<id>.<timestamp>.<body>`.
 * Secrets are `whsec_…` (HMAC) or `whpk_…` (Ed25519 public keys).
 */
export function standardWebhooks(options: StandardWebhooksOptions): Scheme {
  const secrets = collectSecrets(options, 'standardWebhooks');
  const hmacSecrets: Buffer[] = [];
  const publicKeys: KeyObject[] = [];
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
    profile: SENDER_PROFILES.standardWebhooks,
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
      const ed25519Candidates: Buffer[] = [];
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
          const decoded = Buffer.from(value, 'base64');
          if (decoded.length === 64 && decoded.toString('base64') === value) ed25519Candidates.push(decoded);
        }
      }
      if (wellFormed === 0)
        throw rejection('malformed_header', `Header ${names.signature} has no version,signature entry`);

      // The short header parts go in as one string: each update() is a native call
      // costing about as much as hashing 100 bytes; the body is never copied.
      if (
        keys.length > 0 &&
        signatureMatches('sha256', 'base64', keys, [`${id}.${timestampText}.`, request.body], hmacCandidates)
      ) {
        return { id, timestamp };
      }
      if (publicKeys.length > 0 && ed25519Candidates.length > 0) {
        // Ed25519 is one-shot: it needs the signed content as one buffer.
        const content = Buffer.concat([Buffer.from(`${id}.${timestampText}.`), request.body]);
        for (const key of publicKeys) {
          for (const candidate of ed25519Candidates) {
            if (verifySignature(null, content, key, candidate)) return { id, timestamp };
          }
        }
      }
      return undefined;
    },
    describe(payload, _request, verified) {
      return { id: verified.id, type: stringField(payload, 'type') };
    },
  });
}

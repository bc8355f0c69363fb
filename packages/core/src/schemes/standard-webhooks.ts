import { fromBase64, toBase64 } from '../bytes.js';
import { type HmacKey, hmacKey, type PublicKey, publicKey, publicKeyVerifies } from '../crypto/index.js';
import { configError, rejection } from '../errors.js';
import type { MaybePromise, RedeliveryProfile, Scheme, SchemeRequest, VerifiedSignature } from '../types.js';
import {
  andThen,
  collectSecrets,
  hmacMatcher,
  Keyring,
  type Secret,
  type SecretOptions,
  verifiedBy,
} from './secrets.js';
import { parseTimestampHeader, stringField, throwingUnmatched } from './shared.js';

export interface StandardWebhooksOptions extends SecretOptions {
  /** Names the scheme in dedupe keys and records (a preset for a Svix-based sender sets its own). Default `standard-webhooks`. */
  name?: string;
  /** The sender's redelivery behaviour. Default Svix's schedule. */
  redelivery?: RedeliveryProfile;
}

const HMAC_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
const SIGNING_KEY_PREFIX = 'whsk_';

const MAX_SIGNATURE_ENTRIES = 10;
const BASE64_SHA256 = hmacMatcher('sha256', 'base64');
/**
 * An Ed25519 check costs ~20 HMACs: a forged header listing 10 `v1a` entries cost
 * ~46× a normal rejection. A sender lists one per active key (two while rotating).
 */
const MAX_ED25519_ENTRIES = 2;

/** Svix's schedule (Standard Webhooks senders mostly run on it): at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const SVIX_REDELIVERY: RedeliveryProfile = {
  retries: 7,
  horizonMs: (5 + 5 * 60 + 30 * 60 + 2 * 3600 + 5 * 3600 + 10 * 3600 + 10 * 3600) * 1000,
  timeoutMs: 15_000,
  notes: 'Svix retries any non-2xx or timeout on this schedule, then marks the message failed (replayable by hand)',
};

/** Standard Webhooks' headers, and the Svix names for the same three values. */
const HEADER_SETS = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64Secret(text: string, what: string, name: string): Uint8Array {
  const bytes = BASE64.test(text) ? fromBase64(text) : undefined;
  if (bytes === undefined) throw configError(`${name}: ${what} is not valid base64`);
  if (bytes.length === 0) throw configError(`${name}: ${what} is empty`);
  return bytes;
}

/** Standard Webhooks secrets are base64: a plain-text one is almost always another sender's secret. */
function secretProblem(secret: string): string | undefined {
  if (secret.startsWith(SIGNING_KEY_PREFIX)) {
    return 'is a whsk_ signing (private) key: verify with the matching whpk_ public key; keep whsk_ with the sender';
  }
  if (secret.startsWith(HMAC_PREFIX) || secret.startsWith(PUBLIC_KEY_PREFIX)) return undefined;
  if (!BASE64.test(secret)) {
    return 'is neither whsec_<base64> nor base64: a Standard Webhooks (Svix) secret looks like whsec_… — copy it whole from the sender; a sender that signs with a plain-text secret is not a Standard Webhooks sender (use hmac() or custom())';
  }
  return undefined;
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
  const name = options.name ?? 'standard-webhooks';
  const label = options.name ?? 'standardWebhooks';
  const secrets = collectSecrets(options, label, (secret) =>
    typeof secret === 'string' ? secretProblem(secret) : undefined,
  );
  const hmacSecrets: Secret<string>[] = [];
  const hmacKeys: HmacKey[] = [];
  const publicSecrets: Secret<string>[] = [];
  const publicKeys: PublicKey[] = [];
  for (const secret of secrets) {
    if (secret.value.startsWith(PUBLIC_KEY_PREFIX)) {
      publicSecrets.push(secret);
      publicKeys.push(
        ed25519PublicKeyFromRaw(decodeBase64Secret(secret.value.slice(PUBLIC_KEY_PREFIX.length), 'a whpk_ key', label)),
      );
    } else {
      const text = secret.value.startsWith(HMAC_PREFIX) ? secret.value.slice(HMAC_PREFIX.length) : secret.value;
      hmacSecrets.push(secret);
      hmacKeys.push(hmacKey(decodeBase64Secret(text, 'a whsec_ secret', label)));
    }
  }
  const hmacRing = new Keyring(hmacSecrets, hmacKeys, options.now);
  const publicRing = new Keyring(publicSecrets, publicKeys, options.now);

  return throwingUnmatched({
    name,
    redelivery: options.redelivery ?? SVIX_REDELIVERY,
    signatureHeaders: ['webhook-signature', 'svix-signature'],
    check(request: SchemeRequest): MaybePromise<VerifiedSignature | undefined> {
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
      // Most send one: no split (a call into V8's runtime) for a header without a space.
      const entries = signatureHeader.includes(' ')
        ? signatureHeader.split(' ', MAX_SIGNATURE_ENTRIES)
        : [signatureHeader];
      for (const entry of entries) {
        const comma = entry.indexOf(',');
        if (comma <= 0) continue;
        wellFormed++;
        // The version is matched in place, not sliced out: one string fewer per delivery.
        const value = entry.slice(comma + 1);
        if (comma === 2 && entry.startsWith('v1')) hmacCandidates.push(value);
        else if (
          comma === 3 &&
          entry.startsWith('v1a') &&
          publicRing.size > 0 &&
          ed25519Candidates.length < MAX_ED25519_ENTRIES
        ) {
          // Only the canonical text of a 64-byte signature: no padding or unused-bit leniency.
          const decoded = value.length === 88 ? fromBase64(value) : undefined;
          if (decoded?.length === 64 && toBase64(decoded) === value) ed25519Candidates.push(decoded);
        }
      }
      if (wellFormed === 0)
        throw rejection('malformed_header', `Header ${names.signature} has no version,signature entry`);

      // The short header parts go in as one string: each update() is a native call
      // costing about as much as hashing 100 bytes; the body is never copied.
      const parts = [`${id}.${timestampText}.`, request.body];
      const matched =
        hmacRing.size > 0 && hmacCandidates.length > 0
          ? hmacRing.match(BASE64_SHA256, parts, hmacCandidates)
          : undefined;
      // Settled synchronously (always so on Node): the Ed25519 fallback costs nothing unless asked.
      if (!(matched instanceof Promise)) {
        if (matched !== undefined || ed25519Candidates.length === 0) return verifiedBy(matched, id, timestamp);
        return verifiedBy(publicRing.match(publicKeyVerifies, parts, ed25519Candidates), id, timestamp);
      }
      return andThen(matched, (settled) =>
        settled !== undefined || ed25519Candidates.length === 0
          ? verifiedBy(settled, id, timestamp)
          : verifiedBy(publicRing.match(publicKeyVerifies, parts, ed25519Candidates), id, timestamp),
      );
    },
    describe(payload, _request, verified) {
      return { id: verified.id, type: stringField(payload, 'type') };
    },
  });
}

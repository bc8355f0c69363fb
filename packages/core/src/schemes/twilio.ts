import { parseJsonBody } from '../body.js';
import { toHex, utf8Decode, utf8Encode } from '../bytes.js';
import { digest, timingSafeEqual } from '../crypto/index.js';
import { configError, rejection } from '../errors.js';
import type { Bytes, MaybePromise, RedeliveryProfile, Scheme, SchemeRequest } from '../types.js';
import { contentId, isJsonText, parseForm } from './payload.js';
import {
  andThen,
  collectSecrets,
  hmacKeyring,
  hmacMatcher,
  type SecretInput,
  type SecretMatch,
  type SecretOptions,
  verifiedBy,
} from './secrets.js';
import { requireHeader, stringField, throwingUnmatched } from './shared.js';

export interface TwilioOptions extends SecretOptions {
  /**
   * How to know the URL Twilio requested (it is signed). A string is the public
   * origin (`https://example.com`), followed by the request's path and query; a
   * function returns the full URL. Default: `x-forwarded-proto` (else https), then
   * `x-forwarded-host` (else `host`), then the request's path and query.
   */
  url?: string | ((request: SchemeRequest) => string);
  /**
   * SharedKey secrets, for webhooks a Webhooks Rule signs with HMAC-SHA256 (they
   * carry `X-Twilio-Webhooks-Signature-Settings: …,algorithm=HMAC_SHA256`).
   * `secret`/`secrets` are the Auth Tokens, which sign HMAC-SHA1.
   */
  sharedKey?: SecretInput;
  sharedKeys?: readonly SecretInput[];
}

export const TWILIO_REDELIVERY: RedeliveryProfile = {
  retries: 0,
  timeoutMs: 15_000,
  notes:
    'no retries by default; connection overrides on the URL (#rc=…&rp=…) ask for up to 5, on connection failures or chosen statuses',
};

const SIGNATURE = 'x-twilio-signature';
const BASE64_SHA1 = hmacMatcher('sha1', 'base64');
const BASE64_SHA256 = hmacMatcher('sha256', 'base64');
const SETTINGS = 'x-twilio-webhooks-signature-settings';

/** The algorithm named in the settings header: absent means the Auth Token's HMAC-SHA1. */
function algorithmOf(settings: string | undefined): 'sha1' | 'sha256' {
  if (settings === undefined || settings === '') return 'sha1';
  for (const part of settings.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === 'algorithm') {
      const name = part
        .slice(eq + 1)
        .trim()
        .toUpperCase();
      if (name === 'HMAC_SHA1' || name === '') return 'sha1';
      if (name === 'HMAC_SHA256') return 'sha256';
      throw rejection('malformed_header', `Header ${SETTINGS} names an unsupported algorithm`);
    }
  }
  return 'sha1';
}

/** The URL with and without the scheme's default port, as Twilio's own validator tries both. */
function urlVariants(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const portStart = authority.indexOf(':', authority.lastIndexOf(']') + 1);
  const host = portStart === -1 ? authority : authority.slice(0, portStart);
  const withPort = portStart === -1 ? `${host}${scheme.toLowerCase() === 'https://' ? ':443' : ':80'}` : authority;
  return [`${scheme}${host}${rest}`, `${scheme}${withPort}${rest}`];
}

/** Form parameters as Twilio signs them: names sorted, each followed by its value (repeated names: unique values, sorted). */
function signedParams(body: Bytes): string {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(utf8Decode(body))) {
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  let out = '';
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name) as string[];
    const listed = values.length === 1 ? values : [...new Set(values)].sort();
    for (const value of listed) out += name + value;
  }
  return out;
}

function defaultUrl(request: SchemeRequest): string {
  const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;
  const proto = first(request.headers['x-forwarded-proto']) ?? 'https';
  const host = first(request.headers['x-forwarded-host']) ?? requireHeader(request, 'host');
  return `${proto}://${host}${request.url}`;
}

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` (HMAC-SHA256 with a SharedKey
 * when a Webhooks Rule says so) over the full URL Twilio requested followed by
 * the form parameters sorted by name. A JSON body is not in the signature: Twilio
 * adds `bodySHA256=<hex SHA-256 of the body>` to the URL instead, which is
 * checked. Twilio gives no delivery id in signed content, so the dedupe id is a
 * SHA-256 of the path, query and body; the type is `message.<MessageStatus>` or
 * `call.<CallStatus>` for status callbacks, else the JSON body's `type`.
 */
export function twilio(options: TwilioOptions): Scheme {
  const authTokens = hmacKeyring(collectSecrets(options, 'twilio'), options.now);
  const hasShared = options.sharedKey !== undefined || options.sharedKeys !== undefined;
  const sharedKeys = hasShared
    ? hmacKeyring(
        collectSecrets({ secret: options.sharedKey, secrets: options.sharedKeys }, 'twilio sharedKey'),
        options.now,
      )
    : undefined;
  const url = options.url;
  if (typeof url === 'string' && !/^https?:\/\/[^/?#]+$/.test(url.replace(/\/$/, ''))) {
    throw configError(
      'twilio: url must be the public origin, e.g. https://example.com (or a function returning the full URL)',
    );
  }
  const urlOf =
    url === undefined
      ? defaultUrl
      : typeof url === 'string'
        ? (request: SchemeRequest) => `${url.replace(/\/$/, '')}${request.url}`
        : url;

  return throwingUnmatched({
    name: 'twilio',
    redelivery: TWILIO_REDELIVERY,
    signatureHeaders: [SIGNATURE],
    check(request) {
      const candidates = [requireHeader(request, SIGNATURE)];
      const algorithm = algorithmOf(request.headers[SETTINGS]);
      const keys = algorithm === 'sha1' ? authTokens : sharedKeys;
      if (keys === undefined) return undefined;
      const full = urlOf(request);
      const query = full.indexOf('?');
      const bodyHash = query === -1 ? null : new URLSearchParams(full.slice(query + 1)).get('bodySHA256');
      const params = bodyHash === null ? signedParams(request.body) : '';
      const variants = urlVariants(full);
      const tryVariant = (index: number): MaybePromise<SecretMatch | undefined> => {
        const variant = variants[index];
        if (variant === undefined) return undefined;
        return andThen(
          keys.match(algorithm === 'sha1' ? BASE64_SHA1 : BASE64_SHA256, [variant + params], candidates),
          (matched) => matched ?? tryVariant(index + 1),
        );
      };
      return andThen(tryVariant(0), (matched) => {
        if (matched === undefined) return undefined;
        const id = contentId([request.url, '\n', request.body]);
        if (bodyHash === null) return andThen(id, (hash) => verifiedBy(matched, hash));
        // The JSON body is covered through the signed URL's bodySHA256: check it, in constant time.
        return andThen(digest('sha256', [request.body]), (hashed) =>
          timingSafeEqual(utf8Encode(toHex(hashed)), utf8Encode(bodyHash))
            ? andThen(id, (hash) => verifiedBy(matched, hash))
            : undefined,
        );
      });
    },
    parse(request) {
      return isJsonText(request.body) ? parseJsonBody(request.body) : parseForm(request.body);
    },
    describe(payload, _request, verified) {
      const messageStatus = stringField(payload, 'MessageStatus');
      const callStatus = stringField(payload, 'CallStatus');
      return {
        id: verified.id,
        type: messageStatus
          ? `message.${messageStatus}`
          : callStatus
            ? `call.${callStatus}`
            : stringField(payload, 'type'),
      };
    },
  });
}

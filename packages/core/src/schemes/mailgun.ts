import { parseJsonBody } from '../body.js';
import { rejection } from '../errors.js';
import type { RedeliveryProfile, Scheme, SchemeRequest } from '../types.js';
import { isJsonText, parseForm, textAt, valueAt } from './payload.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import { parseTimestampHeader, throwingUnmatched } from './shared.js';

export interface MailgunOptions extends SecretOptions {}

export const MAILGUN_REDELIVERY: RedeliveryProfile = {
  retries: 7,
  horizonMs: (10 + 10 + 15 + 30 + 60 + 120 + 240) * 60 * 1000,
  notes:
    'retries any answer but 2xx and 406 after 10 min, 10 min, 15 min, 30 min, 1 h, 2 h and 4 h (so it retries 401 and 400 too)',
};

const EVENT = ['event-data', 'event'] as const;
const HEX_SHA256 = hmacMatcher('sha256', 'hex');
/** A Mailgun body is a few KiB; a signature is never found past this many bytes of JSON. */
const MAX_SIGNATURE_FIELD = 256;

interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

/** The signature fields, from a JSON body's `signature` object or a form's fields. */
function signatureOf(request: SchemeRequest): MailgunSignature {
  let fields: unknown;
  if (isJsonText(request.body)) {
    try {
      fields = valueAt(parseJsonBody(request.body), ['signature']);
    } catch {
      throw rejection('malformed_header', 'The body is not JSON, so it carries no Mailgun signature');
    }
  } else {
    fields = parseForm(request.body);
  }
  const timestamp = textAt(fields, ['timestamp']);
  const token = textAt(fields, ['token']);
  const signature = textAt(fields, ['signature']);
  if (timestamp === undefined || token === undefined || signature === undefined) {
    throw rejection('missing_header', 'The body has no Mailgun signature (timestamp, token, signature)');
  }
  if (token.length > MAX_SIGNATURE_FIELD || signature.length > MAX_SIGNATURE_FIELD) {
    throw rejection('malformed_header', 'The Mailgun signature fields are too long');
  }
  return { timestamp, token, signature };
}

/**
 * Mailgun: the signature is in the body — `signature: { timestamp, token,
 * signature }` in JSON webhooks, the same three fields in form posts — a hex
 * HMAC-SHA256 of `timestamp + token` keyed by the HTTP webhook signing key.
 * Mailgun signs only those two values, not the event: the body has to be parsed
 * to find them (before verification: the one sender where that is unavoidable),
 * and a captured signature could carry another event until its timestamp leaves
 * the window. The dedupe id is therefore the signed `token`, so each signature
 * is processed once whatever event comes with it. The type is `event-data.event`
 * (`delivered`), or a form's `event`.
 */
export function mailgun(options: MailgunOptions): Scheme {
  const keys = hmacKeyring(collectSecrets(options, 'mailgun'), options.now);
  return throwingUnmatched({
    name: 'mailgun',
    redelivery: MAILGUN_REDELIVERY,
    signatureHeaders: [],
    check(request) {
      const { timestamp, token, signature } = signatureOf(request);
      const seconds = parseTimestampHeader(timestamp, 'signature.timestamp');
      const candidates = [signature];
      return verifiedBy(keys.match(HEX_SHA256, [timestamp + token], candidates), token, seconds);
    },
    parse(request) {
      return isJsonText(request.body) ? parseJsonBody(request.body) : parseForm(request.body);
    },
    describe(payload, _request, verified) {
      return { id: verified.id, type: textAt(payload, EVENT) ?? textAt(payload, ['event']) };
    },
  });
}

import { parseJsonBody } from '../body.js';
import { utf8Decode } from '../bytes.js';
import { rejection } from '../errors.js';
import type { ReceiverResponse, RedeliveryProfile, Scheme, SchemeRequest } from '../types.js';
import { isJsonText, parseForm } from './payload.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import { parseTimestampHeader, requireHeader, stringField, throwingUnmatched } from './shared.js';

export interface SlackOptions extends SecretOptions {}

const SIGNATURE = 'x-slack-signature';
const TIMESTAMP = 'x-slack-request-timestamp';
const PREFIX = 'v0=';
const HEX_SHA256 = hmacMatcher('sha256', 'hex');

export const SLACK_REDELIVERY: RedeliveryProfile = {
  retries: 3,
  horizonMs: 6 * 60 * 1000,
  timeoutMs: 3_000,
  notes:
    'Events API: retries a failed or slow (3 s) delivery 3 times (at once, after 1 min, after 5 min) with x-slack-retry-num; slash commands and interactivity are never retried',
};

/** The largest unsigned `ssl_check` body answered: the form has two short fields. */
const SSL_CHECK_MAX_BYTES = 256;

function parseSlackForm(body: Uint8Array): unknown {
  const form = parseForm(body);
  // Interactivity wraps its JSON in a `payload` field.
  const wrapped = form.payload;
  if (wrapped === undefined) return form;
  try {
    return JSON.parse(wrapped) as unknown;
  } catch {
    throw rejection('invalid_json', 'The payload field of the form body is not valid JSON');
  }
}

/**
 * Slack's periodic certificate check for slash-command URLs: a POST whose form is
 * exactly `ssl_check=1&token=…`, sent without a signature. Anything else, or any
 * request carrying a signature header, is not one.
 */
function isSslCheck(request: SchemeRequest): boolean {
  const { body, headers } = request;
  if (headers[SIGNATURE] !== undefined || headers[TIMESTAMP] !== undefined) return false;
  if (body.length === 0 || body.length > SSL_CHECK_MAX_BYTES || isJsonText(body)) return false;
  const fields = [...new URLSearchParams(utf8Decode(body))];
  if (fields.length > 2) return false;
  const form = new Map(fields);
  return form.size === fields.length && form.get('ssl_check') === '1' && (fields.length === 1 || form.has('token'));
}

const SSL_CHECK_ANSWER: ReceiverResponse = Object.freeze({
  status: 200,
  headers: Object.freeze({}) as Record<string, string>,
  body: '',
});

/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>` with
 * `X-Slack-Request-Timestamp`. Handles Events API JSON (answers the
 * url_verification challenge), slash commands (form bodies; the type is the
 * command, e.g. `/deploy`) and interactivity (form-wrapped JSON; the type is
 * the payload's `type`, e.g. `block_actions`). JSON and form bodies are told
 * apart by the signed bytes, never by the unsigned Content-Type. Slack's
 * unsigned `ssl_check=1` request gets an empty 200 and runs nothing.
 */
export function slack(options: SlackOptions): Scheme {
  const keys = hmacKeyring(collectSecrets(options, 'slack'), options.now);
  return throwingUnmatched({
    name: 'slack',
    redelivery: SLACK_REDELIVERY,
    signatureHeaders: [SIGNATURE],
    answerUnsigned(request) {
      return isSslCheck(request) ? { ...SSL_CHECK_ANSWER, headers: {} } : undefined;
    },
    check(request) {
      const header = requireHeader(request, SIGNATURE);
      const timestampText = requireHeader(request, TIMESTAMP);
      const timestamp = parseTimestampHeader(timestampText, TIMESTAMP);
      if (!header.startsWith(PREFIX))
        throw rejection('malformed_header', `Header ${SIGNATURE} must start with ${PREFIX}`);
      const candidates = [header.slice(PREFIX.length)];
      const matched = keys.match(HEX_SHA256, [`v0:${timestampText}:`, request.body], candidates);
      return verifiedBy(matched, undefined, timestamp);
    },
    parse(request) {
      return isJsonText(request.body) ? parseJsonBody(request.body) : parseSlackForm(request.body);
    },
    respond(payload): ReceiverResponse | undefined {
      if (stringField(payload, 'ssl_check') === '1') return { ...SSL_CHECK_ANSWER, headers: {} };
      if (stringField(payload, 'type') !== 'url_verification') return undefined;
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge: stringField(payload, 'challenge') ?? '' }),
      };
    },
    describe(payload, request) {
      const retry = request.headers['x-slack-retry-num'];
      const retryNum = retry !== undefined && /^[0-9]{1,6}$/.test(retry) ? Number(retry) : undefined;
      const retryReason = request.headers['x-slack-retry-reason'] || undefined;
      const kind = stringField(payload, 'type');
      if (kind === 'event_callback') {
        const event = (payload as { event?: unknown }).event;
        return { id: stringField(payload, 'event_id'), type: stringField(event, 'type'), retryNum, retryReason };
      }
      const command = stringField(payload, 'command');
      return {
        id: stringField(payload, 'event_id') ?? stringField(payload, 'trigger_id'),
        type: command ?? kind,
        retryNum,
        retryReason,
      };
    },
  });
}

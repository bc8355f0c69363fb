import { parseJsonBody } from '../body.js';
import { utf8Decode } from '../bytes.js';
import { rejection } from '../errors.js';
import type { ReceiverResponse, Scheme, SchemeRequest } from '../types.js';
import {
  collectSecrets,
  hmacKeys,
  parseTimestampHeader,
  requireHeader,
  type SecretOptions,
  signatureMatches,
  stringField,
  throwingUnmatched,
  verifiedWhen,
} from './shared.js';

export interface SlackOptions extends SecretOptions {}

const SIGNATURE = 'x-slack-signature';
const TIMESTAMP = 'x-slack-request-timestamp';
const PREFIX = 'v0=';

function isForm(request: SchemeRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function parseForm(request: SchemeRequest): unknown {
  const form = Object.fromEntries(new URLSearchParams(utf8Decode(request.body)));
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
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>` with
 * `X-Slack-Request-Timestamp`. Handles Events API JSON (answers the
 * url_verification challenge), slash commands (form bodies; the type is the
 * command, e.g. `/deploy`) and interactivity (form-wrapped JSON; the type is
 * the payload's `type`, e.g. `block_actions`).
 */
export function slack(options: SlackOptions): Scheme {
  const keys = hmacKeys(collectSecrets(options, 'slack'));
  return throwingUnmatched({
    name: 'slack',
    check(request) {
      const header = requireHeader(request, SIGNATURE);
      const timestampText = requireHeader(request, TIMESTAMP);
      const timestamp = parseTimestampHeader(timestampText, TIMESTAMP);
      if (!header.startsWith(PREFIX))
        throw rejection('malformed_header', `Header ${SIGNATURE} must start with ${PREFIX}`);
      const candidate = header.slice(PREFIX.length);
      return verifiedWhen(
        signatureMatches('sha256', 'hex', keys, [`v0:${timestampText}:`, request.body], [candidate]),
        { timestamp },
      );
    },
    parse(request) {
      return isForm(request) ? parseForm(request) : parseJsonBody(request.body);
    },
    respond(payload): ReceiverResponse | undefined {
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

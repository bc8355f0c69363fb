/**
 * Payloads, secrets and pre-signed deliveries shared by every section, so the
 * limit, hookgate and the peers all work on the same bytes.
 */
import { createHmac } from 'node:crypto';

export interface PayloadSize {
  label: string;
  bytes: number;
}

export const SIZES: readonly PayloadSize[] = [
  { label: '256 B', bytes: 256 },
  { label: '4 KiB', bytes: 4 * 1024 },
  { label: '64 KiB', bytes: 64 * 1024 },
  { label: '1 MiB', bytes: 1024 * 1024 },
];

/** 32 random-looking bytes, as Standard Webhooks issues them (`whsec_` + base64). */
export const SW_SECRET = `whsec_${Buffer.from('hookgate-bench-secret-32-bytes!!').toString('base64')}`;
export const SW_KEY = Buffer.from(SW_SECRET.slice('whsec_'.length), 'base64');
export const STRIPE_SECRET = 'whsec_hookgate_bench_stripe_endpoint_secret';
export const GITHUB_SECRET = 'hookgate-bench-github-secret';

/** Event type every payload carries; GitHub's type is `issues` + `action`. */
export const EVENT_TYPE = 'invoice.paid';
export const GITHUB_EVENT = 'issues';
export const GITHUB_TYPE = 'issues.opened';

/** Fixed-width event ids, so every body in a pool has exactly the same length. */
export function eventId(n: number): string {
  return `evt_${n.toString(36).padStart(12, '0')}`;
}

/**
 * A JSON event of exactly `bytes` bytes: line items (objects, numbers, strings,
 * so JSON.parse does realistic work) and a padding string to land on the size.
 * `id` must be as long as `eventId`'s ids: the layout is built once per size.
 */
export function makePayload(bytes: number, id: string): Buffer {
  let template = templates.get(bytes);
  if (template === undefined) {
    template = buildTemplate(bytes);
    templates.set(bytes, template);
  }
  if (id.length !== ID_PLACEHOLDER.length) throw new Error(`event ids must be ${ID_PLACEHOLDER.length} characters`);
  const body = Buffer.from(template.replace(ID_PLACEHOLDER, id), 'utf8');
  if (body.length !== bytes) throw new Error(`payload of ${body.length} bytes, wanted ${bytes}`);
  return body;
}

const ID_PLACEHOLDER = eventId(0);
const templates = new Map<number, string>();

function buildTemplate(bytes: number): string {
  const build = (lines: readonly string[], pad: string) =>
    `{"id":"${ID_PLACEHOLDER}","type":"${EVENT_TYPE}","action":"opened","created":1700000000,` +
    `"data":{"object":{"customer":"cus_0001","currency":"usd","lines":[${lines.join(',')}]}},"pad":"${pad}"}`;
  const lines: string[] = [];
  let length = build([], '').length;
  for (let i = 0; ; i++) {
    const line = JSON.stringify({
      id: `li_${i}`,
      amount: 1000 + i,
      quantity: 1 + (i % 5),
      description: `Line item number ${i}`,
    });
    const added = line.length + (lines.length > 0 ? 1 : 0);
    if (length + added > bytes) break;
    lines.push(line);
    length += added;
  }
  return build(lines, 'x'.repeat(bytes - length));
}

export function hmacSha256(key: string | Buffer, parts: readonly (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** A signature of the right shape that matches nothing: the digest with its bits flipped. */
export function forged(digest: Buffer): Buffer {
  return Buffer.from(digest.map((byte) => byte ^ 0xff));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface SignedDelivery {
  /** Lower-cased headers, as node:http hands them over. */
  headers: Record<string, string>;
  body: Buffer;
}

export function signStandardWebhooks(body: Buffer, id: string, timestamp: number, wrong = false): SignedDelivery {
  const digest = hmacSha256(SW_KEY, [id, '.', String(timestamp), '.', body]);
  return {
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${(wrong ? forged(digest) : digest).toString('base64')}`,
    },
    body,
  };
}

export function signStripe(body: Buffer, timestamp: number, wrong = false): SignedDelivery {
  const digest = hmacSha256(STRIPE_SECRET, [String(timestamp), '.', body]);
  return {
    headers: {
      'content-type': 'application/json',
      'stripe-signature': `t=${timestamp},v1=${(wrong ? forged(digest) : digest).toString('hex')}`,
    },
    body,
  };
}

export function signGitHub(body: Buffer, delivery: string, wrong = false): SignedDelivery {
  const digest = hmacSha256(GITHUB_SECRET, [body]);
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': GITHUB_EVENT,
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${(wrong ? forged(digest) : digest).toString('hex')}`,
    },
    body,
  };
}

import { createHmac, createPrivateKey, generateKeyPairSync, randomUUID, sign as signBytes } from 'node:crypto';

/** Body as the sender would send it: the exact bytes, or text taken as UTF-8. */
export type SignableBody = string | Uint8Array;

const bytesOf = (body: SignableBody): Buffer =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmacOf = (algorithm: string, key: string | Uint8Array, parts: (string | Buffer)[]) => {
  const mac = createHmac(algorithm, typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** PKCS#8 header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface StandardWebhooksSignInput {
  /** `whsec_…` (or bare base64) signs v1 HMAC; `whsk_…` (an Ed25519 seed) signs v1a. */
  secret: string;
  body: SignableBody;
  id?: string;
  /** Seconds since the epoch. Default now. */
  timestamp?: number;
  /** Use the `svix-*` header names. */
  svix?: boolean;
}

export function signStandardWebhooks(input: StandardWebhooksSignInput): Record<string, string> {
  const id = input.id ?? `msg_${randomUUID()}`;
  const timestamp = String(input.timestamp ?? nowSeconds());
  const body = bytesOf(input.body);
  let signature: string;
  if (input.secret.startsWith('whsk_')) {
    const seed = Buffer.from(input.secret.slice(5), 'base64').subarray(0, 32);
    const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
    signature = `v1a,${signBytes(null, content, key).toString('base64')}`;
  } else {
    const key = Buffer.from(input.secret.replace(/^whsec_/, ''), 'base64');
    signature = `v1,${hmacOf('sha256', key, [id, '.', timestamp, '.', body]).toString('base64')}`;
  }
  const prefix = input.svix ? 'svix' : 'webhook';
  return { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: timestamp, [`${prefix}-signature`]: signature };
}

/** A fresh Ed25519 pair for Standard Webhooks' v1a: sign with `secretKey`, verify with `publicKey`. */
export function generateStandardWebhooksKeyPair(): { secretKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(ED25519_PKCS8_PREFIX.length);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { secretKey: `whsk_${seed.toString('base64')}`, publicKey: `whpk_${raw.toString('base64')}` };
}

export interface StripeSignInput {
  secret: string;
  body: SignableBody;
  timestamp?: number;
}

export function signStripe(input: StripeSignInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const v1 = hmacOf('sha256', input.secret, [timestamp, '.', bytesOf(input.body)]).toString('hex');
  return { 'stripe-signature': `t=${timestamp},v1=${v1}` };
}

export interface GitHubSignInput {
  secret: string;
  body: SignableBody;
  /** `x-github-event`, e.g. `issues`. */
  event?: string;
  /** `x-github-delivery`. Default a random UUID. */
  delivery?: string;
}

export function signGitHub(input: GitHubSignInput): Record<string, string> {
  const signature = hmacOf('sha256', input.secret, [bytesOf(input.body)]).toString('hex');
  const headers: Record<string, string> = {
    'x-hub-signature-256': `sha256=${signature}`,
    'x-github-delivery': input.delivery ?? randomUUID(),
  };
  if (input.event !== undefined) headers['x-github-event'] = input.event;
  return headers;
}

export interface SlackSignInput {
  secret: string;
  body: SignableBody;
  timestamp?: number;
}

export function signSlack(input: SlackSignInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const signature = hmacOf('sha256', input.secret, ['v0:', timestamp, ':', bytesOf(input.body)]).toString('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': timestamp };
}

export interface ShopifySignInput {
  secret: string;
  body: SignableBody;
  topic?: string;
  /** `x-shopify-webhook-id`. Default a random UUID. */
  webhookId?: string;
  eventId?: string;
}

export function signShopify(input: ShopifySignInput): Record<string, string> {
  const headers: Record<string, string> = {
    'x-shopify-hmac-sha256': hmacOf('sha256', input.secret, [bytesOf(input.body)]).toString('base64'),
    'x-shopify-webhook-id': input.webhookId ?? randomUUID(),
  };
  if (input.topic !== undefined) headers['x-shopify-topic'] = input.topic;
  if (input.eventId !== undefined) headers['x-shopify-event-id'] = input.eventId;
  return headers;
}

export interface HmacSignInput {
  secret: string | Uint8Array;
  body: SignableBody;
  header: string;
  algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  encoding?: 'hex' | 'base64' | 'base64url';
  prefix?: string;
  signedContent?: string;
  timestampHeader?: string;
  timestamp?: number;
  idHeader?: string;
  id?: string;
}

/** Signs for an `hmac(...)` scheme configured with the same options. */
export function signHmac(input: HmacSignInput): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const id = input.id ?? randomUUID();
  const body = bytesOf(input.body);
  const parts = (input.signedContent ?? '{body}')
    .split(/(\{id\}|\{timestamp\}|\{body\})/)
    .filter((part) => part !== '')
    .map((part) => (part === '{body}' ? body : part === '{id}' ? id : part === '{timestamp}' ? timestamp : part));
  const digest = hmacOf(input.algorithm ?? 'sha256', input.secret, parts).toString(input.encoding ?? 'hex');
  const headers: Record<string, string> = { [input.header.toLowerCase()]: `${input.prefix ?? ''}${digest}` };
  if (input.timestampHeader) headers[input.timestampHeader.toLowerCase()] = timestamp;
  if (input.idHeader) headers[input.idHeader.toLowerCase()] = id;
  return headers;
}

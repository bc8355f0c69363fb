import {
  createHash,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  sign as signBytes,
} from 'node:crypto';
import type { SignatureEncoding } from '../crypto/types.js';
import type { CustomAlgorithm } from '../schemes/custom.js';

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

export interface CustomSignInput {
  /** An HMAC secret, or for ed25519 / ecdsa-p256-sha256 / rsa-sha256 a PEM private key. */
  secret: string | Uint8Array;
  body: SignableBody;
  header: string;
  algorithm: CustomAlgorithm;
  encoding: SignatureEncoding;
  /** Written before the signature, e.g. `sha256=`, `v1,` or `t=…,v1=` as the scheme lays it out. */
  prefix?: string;
  /** As the scheme's signedContent: `{body}`, `{id}`, `{timestamp}`, `{url}`, `{method}`, `{header:<name>}`. */
  signedContent?: string;
  id?: string;
  /** The timestamp as sent (text). */
  timestamp?: string;
  url?: string;
  method?: string;
  /** Header values that `{header:<name>}` signs. */
  headers?: Record<string, string>;
}

/** The signature text for a `custom(...)` scheme; put it in the header the scheme reads, with its layout. */
export function signCustom(input: CustomSignInput): string {
  const body = bytesOf(input.body);
  const parts = (input.signedContent ?? '{body}')
    .split(/(\{[a-z]+(?::[^}]*)?\})/)
    .filter((part) => part !== '')
    .map((part) => {
      if (part === '{body}') return body;
      if (part === '{id}') return input.id ?? '';
      if (part === '{timestamp}') return input.timestamp ?? '';
      if (part === '{url}') return input.url ?? '';
      if (part === '{method}') return (input.method ?? 'POST').toUpperCase();
      const header = /^\{header:(.+)\}$/.exec(part)?.[1];
      return header === undefined ? part : (input.headers?.[header.toLowerCase()] ?? '');
    });
  let signature: Buffer;
  if (input.algorithm.startsWith('hmac-')) {
    signature = hmacOf(input.algorithm.slice(5), input.secret, parts);
  } else {
    const content = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    const key = createPrivateKey(
      typeof input.secret === 'string'
        ? input.secret
        : { key: Buffer.from(input.secret), format: 'der', type: 'pkcs8' },
    );
    signature = signBytes(input.algorithm === 'ed25519' ? null : 'sha256', content, key);
  }
  return `${input.prefix ?? ''}${signature.toString(input.encoding)}`;
}

export interface TwilioSignInput {
  /** The Auth Token (or, with `algorithm: 'sha256'`, the SharedKey secret). */
  authToken: string;
  /** The full URL Twilio requests, query included. */
  url: string;
  /** Form parameters (a form body), or a JSON body: then `bodySHA256` is added to the URL. */
  params?: Record<string, string | readonly string[]>;
  json?: string;
  algorithm?: 'sha1' | 'sha256';
}

/** Headers, the URL to post to and the body, as Twilio would send them. */
export function signTwilio(input: TwilioSignInput): { url: string; body: string; headers: Record<string, string> } {
  let url = input.url;
  let data = url;
  let body: string;
  const headers: Record<string, string> = {};
  if (input.json !== undefined) {
    const hash = createHash('sha256').update(input.json, 'utf8').digest('hex');
    url = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${hash}`;
    data = url;
    body = input.json;
    headers['content-type'] = 'application/json';
  } else {
    const params = input.params ?? {};
    const form = new URLSearchParams();
    for (const name of Object.keys(params).sort()) {
      const value = params[name] ?? '';
      const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
      for (const item of values) {
        data += name + item;
        form.append(name, item);
      }
    }
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  headers['x-twilio-signature'] = hmacOf(input.algorithm ?? 'sha1', input.authToken, [data]).toString('base64');
  if (input.algorithm === 'sha256') headers['x-twilio-webhooks-signature-settings'] = 'algorithm=HMAC_SHA256';
  return { url, body, headers };
}

export interface GitLabSignInput {
  body: SignableBody;
  /** `X-Gitlab-Token` mode. */
  token?: string;
  /** Signing mode (`whsec_…`): Standard Webhooks headers. */
  signingToken?: string;
  /** `Idempotency-Key` (and, signed, `webhook-id`). Default a random UUID. */
  idempotencyKey?: string;
  timestamp?: number;
  /** `X-Gitlab-Event`, e.g. `Push Hook`. */
  event?: string;
}

export function signGitLab(input: GitLabSignInput): Record<string, string> {
  const key = input.idempotencyKey ?? randomUUID();
  const headers: Record<string, string> = { 'idempotency-key': key, 'x-gitlab-event-uuid': randomUUID() };
  if (input.event !== undefined) headers['x-gitlab-event'] = input.event;
  if (input.token !== undefined) headers['x-gitlab-token'] = input.token;
  if (input.signingToken !== undefined) {
    const signed = signStandardWebhooks({
      secret: input.signingToken,
      body: input.body,
      id: key,
      ...(input.timestamp === undefined ? {} : { timestamp: input.timestamp }),
    });
    Object.assign(headers, signed);
  }
  return headers;
}

export interface SimpleSignInput {
  secret: string;
  body: SignableBody;
}

/** Linear: `linear-signature` (hex HMAC-SHA256 of the body) and a `linear-delivery` id. The body must carry `webhookTimestamp`. */
export function signLinear(input: SimpleSignInput & { delivery?: string }): Record<string, string> {
  return {
    'linear-signature': hmacOf('sha256', input.secret, [bytesOf(input.body)]).toString('hex'),
    'linear-delivery': input.delivery ?? randomUUID(),
  };
}

/** Vercel: `x-vercel-signature` (hex HMAC-SHA1 of the body). */
export function signVercel(input: SimpleSignInput): Record<string, string> {
  return { 'x-vercel-signature': hmacOf('sha1', input.secret, [bytesOf(input.body)]).toString('hex') };
}

/** Intercom: `x-hub-signature: sha1=<hex HMAC-SHA1 of the body>`. */
export function signIntercom(input: SimpleSignInput): Record<string, string> {
  return { 'x-hub-signature': `sha1=${hmacOf('sha1', input.secret, [bytesOf(input.body)]).toString('hex')}` };
}

/** Square: `x-square-hmacsha256-signature` (base64 HMAC-SHA256 of notificationUrl + body). */
export function signSquare(input: SimpleSignInput & { notificationUrl: string }): Record<string, string> {
  return {
    'x-square-hmacsha256-signature': hmacOf('sha256', input.secret, [
      input.notificationUrl,
      bytesOf(input.body),
    ]).toString('base64'),
  };
}

/** Paddle: `paddle-signature: ts=<ts>;h1=<hex HMAC-SHA256 of "<ts>:<body>">`. */
export function signPaddle(input: SimpleSignInput & { timestamp?: number }): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const h1 = hmacOf('sha256', input.secret, [`${timestamp}:`, bytesOf(input.body)]).toString('hex');
  return { 'paddle-signature': `ts=${timestamp};h1=${h1}` };
}

/** Hookdeck: `x-hookdeck-signature` (base64 HMAC-SHA256 of the body) and an `x-hookdeck-eventid`. */
export function signHookdeck(input: SimpleSignInput & { eventId?: string }): Record<string, string> {
  return {
    'x-hookdeck-signature': hmacOf('sha256', input.secret, [bytesOf(input.body)]).toString('base64'),
    'x-hookdeck-eventid': input.eventId ?? `evt_${randomUUID()}`,
  };
}

/** Zoom: `x-zm-signature: v0=<hex HMAC-SHA256 of "v0:<ts>:<body>">` and `x-zm-request-timestamp`. */
export function signZoom(input: SimpleSignInput & { timestamp?: number }): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const signature = hmacOf('sha256', input.secret, [`v0:${timestamp}:`, bytesOf(input.body)]).toString('hex');
  return { 'x-zm-signature': `v0=${signature}`, 'x-zm-request-timestamp': timestamp };
}

export interface TwitchSignInput extends SimpleSignInput {
  messageId?: string;
  /** RFC 3339. Default now. */
  timestamp?: string;
  /** `notification` (default), `webhook_callback_verification` or `revocation`. */
  messageType?: string;
  subscriptionType?: string;
}

/** Twitch EventSub: the signature over id + timestamp + body, and the message headers. */
export function signTwitch(input: TwitchSignInput): Record<string, string> {
  const id = input.messageId ?? randomUUID();
  const timestamp = input.timestamp ?? new Date().toISOString();
  const signature = hmacOf('sha256', input.secret, [id, timestamp, bytesOf(input.body)]).toString('hex');
  const headers: Record<string, string> = {
    'twitch-eventsub-message-id': id,
    'twitch-eventsub-message-timestamp': timestamp,
    'twitch-eventsub-message-signature': `sha256=${signature}`,
    'twitch-eventsub-message-type': input.messageType ?? 'notification',
  };
  if (input.subscriptionType !== undefined) headers['twitch-eventsub-subscription-type'] = input.subscriptionType;
  return headers;
}

/** An Ed25519 pair as Discord shows it: sign with `privateKey` (PEM), verify with `publicKey` (hex). */
export function generateDiscordKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: raw.toString('hex') };
}

/** Discord: `x-signature-ed25519` (hex Ed25519 of timestamp + body) and `x-signature-timestamp`. */
export function signDiscord(input: {
  privateKey: string;
  body: SignableBody;
  timestamp?: number;
}): Record<string, string> {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const content = Buffer.concat([Buffer.from(timestamp), bytesOf(input.body)]);
  return {
    'x-signature-ed25519': signBytes(null, content, createPrivateKey(input.privateKey)).toString('hex'),
    'x-signature-timestamp': timestamp,
  };
}

/** Clerk and Resend send through Svix: `svix-*` headers. */
export function signSvix(input: Omit<StandardWebhooksSignInput, 'svix'>): Record<string, string> {
  return signStandardWebhooks({ ...input, svix: true });
}

export interface MailgunSignInput {
  signingKey: string;
  /** The event, as Mailgun's `event-data`. */
  eventData: Record<string, unknown>;
  timestamp?: number;
  token?: string;
}

/** A Mailgun JSON webhook body: the event and its `signature` object (Mailgun signs timestamp + token). */
export function signMailgun(input: MailgunSignInput): string {
  const timestamp = String(input.timestamp ?? nowSeconds());
  const token = input.token ?? randomUUID().replace(/-/g, '');
  const signature = hmacOf('sha256', input.signingKey, [timestamp + token]).toString('hex');
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': input.eventData });
}

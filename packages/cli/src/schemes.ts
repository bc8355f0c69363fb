import { github, hmac, type Scheme, shopify, slack, standardWebhooks, stripe, token } from '@hookgate/core';
import { signGitHub, signHmac, signShopify, signSlack, signStandardWebhooks, signStripe } from '@hookgate/core/testing';
import { UsageError } from './usage.js';

export const SCHEMES = ['standard-webhooks', 'svix', 'stripe', 'github', 'slack', 'shopify', 'hmac', 'token'] as const;
export type SchemeName = (typeof SCHEMES)[number];

/** How a scheme is set up on the command line (the hmac and token schemes need their header names). */
export interface SchemeSettings {
  scheme: SchemeName;
  header?: string | undefined;
  algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512' | undefined;
  encoding?: 'hex' | 'base64' | 'base64url' | undefined;
  prefix?: string | undefined;
  signedContent?: string | undefined;
  timestampHeader?: string | undefined;
  idHeader?: string | undefined;
  typeHeader?: string | undefined;
}

/** What one delivery's signature is made of. */
export interface SignInput {
  secret: string;
  body: Buffer;
  /** The delivery id, for schemes that carry it in a header. */
  id: string;
  /** The event type, for schemes that carry it in a header (github, shopify, hmac/token with typeHeader). */
  type?: string | undefined;
  /** Seconds since the epoch. */
  timestamp: number;
}

export function schemeName(value: string | undefined): SchemeName {
  if (value === undefined) throw new UsageError(`--scheme is required: one of ${SCHEMES.join(', ')}`);
  if (!(SCHEMES as readonly string[]).includes(value)) {
    throw new UsageError(`unknown scheme "${value}": one of ${SCHEMES.join(', ')}`);
  }
  return value as SchemeName;
}

/** Whether the scheme signs a timestamp (so --stale means something). */
export function signsTimestamp(settings: SchemeSettings): boolean {
  const { scheme } = settings;
  if (scheme === 'hmac') return settings.timestampHeader !== undefined;
  return scheme === 'standard-webhooks' || scheme === 'svix' || scheme === 'stripe' || scheme === 'slack';
}

/** Where the scheme reads the delivery id: a header (so each copy can get its own) or the body. */
export function idInHeader(settings: SchemeSettings): boolean {
  const { scheme } = settings;
  if (scheme === 'hmac' || scheme === 'token') return settings.idHeader !== undefined;
  return scheme !== 'stripe' && scheme !== 'slack';
}

function needHeader(settings: SchemeSettings): string {
  if (!settings.header) throw new UsageError(`--header is required for the ${settings.scheme} scheme`);
  return settings.header.toLowerCase();
}

/** The headers a sender of this scheme would send with the body. */
export function signHeaders(settings: SchemeSettings, input: SignInput): Record<string, string> {
  const { secret, body, id, type, timestamp } = input;
  switch (settings.scheme) {
    case 'standard-webhooks':
    case 'svix':
      return signStandardWebhooks({ secret, body, id, timestamp, svix: settings.scheme === 'svix' });
    case 'stripe':
      return signStripe({ secret, body, timestamp });
    case 'github':
      return signGitHub({ secret, body, delivery: id, event: type ?? 'ping' });
    case 'slack':
      return signSlack({ secret, body, timestamp });
    case 'shopify':
      return signShopify({ secret, body, webhookId: id, eventId: id, topic: type ?? 'orders/create' });
    case 'hmac': {
      const headers = signHmac({
        secret,
        body,
        header: needHeader(settings),
        algorithm: settings.algorithm ?? 'sha256',
        encoding: settings.encoding ?? 'hex',
        prefix: settings.prefix ?? '',
        signedContent: settings.signedContent ?? '{body}',
        ...(settings.timestampHeader ? { timestampHeader: settings.timestampHeader, timestamp } : {}),
        ...(settings.idHeader ? { idHeader: settings.idHeader, id } : {}),
      });
      if (settings.typeHeader && type) headers[settings.typeHeader.toLowerCase()] = type;
      return headers;
    }
    case 'token': {
      const headers: Record<string, string> = { [needHeader(settings)]: secret };
      if (settings.idHeader) headers[settings.idHeader.toLowerCase()] = id;
      if (settings.typeHeader && type) headers[settings.typeHeader.toLowerCase()] = type;
      return headers;
    }
  }
}

/** The receiving side of the scheme, for `verify`: one secret at a time, to say which one matched. */
export function receivingScheme(settings: SchemeSettings, secret: string): Scheme {
  switch (settings.scheme) {
    case 'standard-webhooks':
    case 'svix':
      return standardWebhooks({ secret });
    case 'stripe':
      return stripe({ secret });
    case 'github':
      return github({ secret });
    case 'slack':
      return slack({ secret });
    case 'shopify':
      return shopify({ secret });
    case 'hmac':
      return hmac({
        secret,
        header: needHeader(settings),
        algorithm: settings.algorithm ?? 'sha256',
        encoding: settings.encoding ?? 'hex',
        prefix: settings.prefix ?? '',
        signedContent: settings.signedContent ?? '{body}',
        ...(settings.timestampHeader ? { timestampHeader: settings.timestampHeader } : {}),
        ...(settings.idHeader ? { idHeader: settings.idHeader } : {}),
      });
    case 'token':
      return token({
        header: needHeader(settings),
        token: secret,
        ...(settings.idHeader ? { idHeader: settings.idHeader } : {}),
      });
  }
}

/** The header names a scheme's signature lives in: the request's copies of them are replaced when re-signing. */
export function signatureHeaders(settings: SchemeSettings): string[] {
  switch (settings.scheme) {
    case 'standard-webhooks':
      return ['webhook-signature', 'webhook-timestamp'];
    case 'svix':
      return ['svix-signature', 'svix-timestamp'];
    case 'stripe':
      return ['stripe-signature'];
    case 'github':
      return ['x-hub-signature-256', 'x-hub-signature'];
    case 'slack':
      return ['x-slack-signature', 'x-slack-request-timestamp'];
    case 'shopify':
      return ['x-shopify-hmac-sha256'];
    case 'hmac':
      return [settings.header, settings.timestampHeader].filter((name): name is string => !!name);
    case 'token':
      return [settings.header].filter((name): name is string => !!name);
  }
}

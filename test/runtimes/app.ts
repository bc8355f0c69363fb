/**
 * A receiver app that runs unchanged on Node, Bun, Deno and workerd: one
 * receiver per planned case, each behind `toFetchHandler`, and a record of what
 * its handlers saw. The test posts the plan first (POST /__plan), then the
 * deliveries (POST /r/<index>), then reads what ran (GET /__calls).
 */
import {
  createReceiver,
  cryptoBackend,
  type GitHubOptions,
  github,
  type HmacOptions,
  hmac,
  type Receiver,
  type Scheme,
  type ShopifyOptions,
  type SlackOptions,
  type StandardWebhooksOptions,
  type StripeOptions,
  shopify,
  slack,
  standardWebhooks,
  stripe,
  type TokenOptions,
  toFetchHandler,
  token,
} from '@hookgate/core';

export type SchemeSpec =
  | { kind: 'github'; options: GitHubOptions }
  | { kind: 'hmac'; options: HmacOptions }
  | { kind: 'shopify'; options: ShopifyOptions }
  | { kind: 'slack'; options: SlackOptions }
  | { kind: 'standardWebhooks'; options: StandardWebhooksOptions }
  | { kind: 'stripe'; options: StripeOptions }
  | { kind: 'token'; options: TokenOptions };

export interface ReceiverPlan {
  scheme: SchemeSpec;
  /** A fixed clock (epoch seconds) for published vectors signed long ago. */
  now?: number | undefined;
}

export interface HandlerCall {
  receiver: number;
  type: string | undefined;
  id: string | undefined;
  event: unknown;
  /** The verified bytes, base64, to compare with what was sent. */
  rawBody: string;
}

export interface RuntimeInfo {
  cryptoBackend: string;
  hasBuffer: boolean;
  userAgent: string;
}

function schemeOf(spec: SchemeSpec): Scheme {
  switch (spec.kind) {
    case 'github':
      return github(spec.options);
    case 'hmac':
      return hmac(spec.options);
    case 'shopify':
      return shopify(spec.options);
    case 'slack':
      return slack(spec.options);
    case 'standardWebhooks':
      return standardWebhooks(spec.options);
    case 'stripe':
      return stripe(spec.options);
    case 'token':
      return token(spec.options);
  }
}

/** base64 without Buffer (workerd has none). */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

export function createApp(): (request: Request) => Promise<Response> {
  let handlers: ((request: Request) => Promise<Response>)[] = [];
  const calls: HandlerCall[] = [];

  function plan(plans: ReceiverPlan[]): void {
    calls.length = 0;
    handlers = plans.map((entry, index) => {
      const now = entry.now;
      const receiver: Receiver = createReceiver({
        scheme: schemeOf(entry.scheme),
        ...(now === undefined ? {} : { now: () => now * 1000 }),
      });
      receiver.onAny((event, ctx) => {
        calls.push({ receiver: index, type: ctx.type, id: ctx.id, event, rawBody: base64(ctx.rawBody) });
      });
      return toFetchHandler(receiver);
    });
  }

  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path === '/__info') {
      const info: RuntimeInfo = {
        cryptoBackend,
        hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer === 'function',
        userAgent: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? 'unknown',
      };
      return json(info);
    }
    if (path === '/__plan') {
      plan((await request.json()) as ReceiverPlan[]);
      return json({ receivers: handlers.length });
    }
    if (path === '/__calls') return json(calls);
    const handler = /^\/r\/(\d+)$/.exec(path)?.[1];
    const handle = handler === undefined ? undefined : handlers[Number(handler)];
    return handle ? handle(request) : json({ error: 'no such receiver' }, 404);
  };
}

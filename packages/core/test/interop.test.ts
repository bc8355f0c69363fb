/**
 * Interop with the senders' own libraries: what they sign, we accept; what our
 * `sign*` helpers produce, they accept. Any drift in header names, signed
 * content, secret decoding or encodings between us and a sender shows up here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createReceiver,
  type DeliveryContext,
  github,
  type Receiver,
  type ReceiverResponse,
  type Scheme,
  standardWebhooks,
  stripe,
} from '@hookgate/core';
import { signGitHub, signStandardWebhooks, signStripe } from '@hookgate/core/testing';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';

const stripeClient = new Stripe('sk_test_hookgate_interop');

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const stripeSecret = () => `whsec_${randomBytes(16).toString('hex')}`;
const githubSecret = () => `gh-${randomBytes(12).toString('base64url')}`;

interface Seen {
  event: unknown;
  ctx: DeliveryContext;
}

/** A receiver that records what its handlers saw; dedupe stays on, as in production. */
function receiverFor(scheme: Scheme): { receiver: Receiver; seen: Seen[] } {
  const seen: Seen[] = [];
  const receiver = createReceiver({ scheme }).onAny((event, ctx) => {
    seen.push({ event, ctx });
  });
  return { receiver, seen };
}

function post(receiver: Receiver, headers: Record<string, string>, body: string | Buffer): Promise<ReceiverResponse> {
  return receiver.handle({ method: 'POST', url: '/webhooks', headers, body });
}

/** Non-ASCII on purpose: the signature must cover the UTF-8 bytes, not a re-encoding. */
function standardPayload(type = 'invoice.paid') {
  return JSON.stringify({ type, data: { id: randomUUID(), note: 'café ☕ 日本 🎉', amount: 4200 } });
}

function stripePayload(type = 'invoice.paid') {
  return JSON.stringify({ id: `evt_${randomUUID()}`, object: 'event', type, data: { object: { note: 'naïve 🚀' } } });
}

function githubPayload(action = 'opened') {
  return JSON.stringify({ action, issue: { number: 7, title: 'Ünïcödé 🐛' } });
}

describe('standardwebhooks → hookgate', () => {
  it('accepts a delivery signed by Webhook#sign', async () => {
    const secret = whsec();
    const { receiver, seen } = receiverFor(standardWebhooks({ secret }));
    const body = standardPayload();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const signature = new StandardWebhook(secret).sign(id, now, body);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };

    const response = await post(receiver, headers, body);

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
    expect(seen[0]?.ctx.id).toBe(id);
    expect(seen[0]?.ctx.type).toBe('invoice.paid');
    expect(seen[0]?.ctx.rawBody.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('accepts the secret without its whsec_ prefix', async () => {
    const secret = whsec();
    const { receiver, seen } = receiverFor(standardWebhooks({ secret: secret.slice('whsec_'.length) }));
    const body = standardPayload();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new StandardWebhook(secret).sign(id, now, body),
    };
    expect((await post(receiver, headers, body)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('rotation: with two secrets configured, a delivery signed with the old one passes', async () => {
    const oldSecret = whsec();
    const newSecret = whsec();
    const { receiver, seen } = receiverFor(standardWebhooks({ secrets: [newSecret, oldSecret] }));
    const body = standardPayload();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new StandardWebhook(oldSecret).sign(id, now, body),
    };
    expect((await post(receiver, headers, body)).status).toBe(200);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
  });

  it('a header with several space-separated entries passes when any one matches', async () => {
    const oldSecret = whsec();
    const newSecret = whsec();
    const body = standardPayload();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    // The sender signs with both secrets during its own rotation; an unknown version is ignored.
    const entries = [
      'v2,bm90LWEtcmVhbC1zaWduYXR1cmU=',
      new StandardWebhook(oldSecret).sign(id, now, body),
      new StandardWebhook(newSecret).sign(id, now, body),
    ];
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': entries.join(' '),
    };
    // The sender's own library accepts this header, so it is a real multi-signature header.
    expect(new StandardWebhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));

    for (const secret of [oldSecret, newSecret]) {
      const { receiver, seen } = receiverFor(standardWebhooks({ secret }));
      expect((await post(receiver, headers, body)).status).toBe(200);
      expect(seen).toHaveLength(1);
    }
    const { receiver: stranger, seen } = receiverFor(standardWebhooks({ secret: whsec() }));
    const rejected = await post(stranger, headers, body);
    expect(rejected.status).toBe(401);
    expect(JSON.parse(rejected.body)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(seen).toHaveLength(0);
  });

  it('rejects a delivery signed by Webhook#sign with a secret we do not hold', async () => {
    const { receiver, seen } = receiverFor(standardWebhooks({ secret: whsec() }));
    const body = standardPayload();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new StandardWebhook(whsec()).sign(id, now, body),
    };
    expect((await post(receiver, headers, body)).status).toBe(401);
    expect(seen).toHaveLength(0);
  });
});

describe('svix → hookgate', () => {
  it('accepts a delivery with svix-* headers signed by svix Webhook#sign', async () => {
    const secret = whsec();
    const { receiver, seen } = receiverFor(standardWebhooks({ secret }));
    const body = standardPayload('user.created');
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const headers = {
      'svix-id': id,
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': new SvixWebhook(secret).sign(id, now, body),
    };

    const response = await post(receiver, headers, Buffer.from(body, 'utf8'));

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
    expect(seen[0]?.ctx.id).toBe(id);
    expect(seen[0]?.ctx.type).toBe('user.created');
  });

  it('rotation and several entries with svix-* headers', async () => {
    const oldSecret = whsec();
    const newSecret = whsec();
    const body = standardPayload('user.created');
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const headers = {
      'svix-id': id,
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': new SvixWebhook(oldSecret).sign(id, now, body),
    };
    const rotated = receiverFor(standardWebhooks({ secrets: [newSecret, oldSecret] }));
    expect((await post(rotated.receiver, headers, body)).status).toBe(200);
    expect(rotated.seen).toHaveLength(1);

    const both = {
      ...headers,
      'svix-signature': `${new SvixWebhook(oldSecret).sign(id, now, body)} ${new SvixWebhook(newSecret).sign(id, now, body)}`,
    };
    expect(new SvixWebhook(oldSecret).verify(body, both)).toEqual(JSON.parse(body));
    const onlyNew = receiverFor(standardWebhooks({ secret: newSecret }));
    expect((await post(onlyNew.receiver, both, body)).status).toBe(200);
    expect(onlyNew.seen).toHaveLength(1);
  });
});

describe('stripe → hookgate', () => {
  it('accepts a header made by stripe.webhooks.generateTestHeaderString', async () => {
    const secret = stripeSecret();
    const { receiver, seen } = receiverFor(stripe({ secret }));
    const body = stripePayload();
    const header = stripeClient.webhooks.generateTestHeaderString({ payload: body, secret });

    const response = await post(receiver, { 'stripe-signature': header }, body);

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
    expect(seen[0]?.ctx.id).toBe(JSON.parse(body).id);
    expect(seen[0]?.ctx.type).toBe('invoice.paid');
  });

  it('rotation: with two secrets configured, a delivery signed with the old one passes', async () => {
    const oldSecret = stripeSecret();
    const newSecret = stripeSecret();
    const { receiver, seen } = receiverFor(stripe({ secrets: [newSecret, oldSecret] }));
    const body = stripePayload();
    const header = stripeClient.webhooks.generateTestHeaderString({ payload: body, secret: oldSecret });
    expect((await post(receiver, { 'stripe-signature': header }, body)).status).toBe(200);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
  });

  it('a Stripe-Signature with several v1= (and a v0=) passes when any v1 matches', async () => {
    const oldSecret = stripeSecret();
    const newSecret = stripeSecret();
    const body = stripePayload();
    const timestamp = Math.floor(Date.now() / 1000);
    const v1Of = (secret: string) => {
      const header = stripeClient.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
      const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
      if (v1 === undefined) throw new Error(`unexpected Stripe header ${header}`);
      return v1;
    };
    const header = `t=${timestamp},v1=${v1Of(oldSecret)},v1=${v1Of(newSecret)},v0=${'0'.repeat(64)}`;
    // Stripe's own library accepts this header with either secret.
    expect(stripeClient.webhooks.constructEvent(body, header, newSecret).id).toBe(JSON.parse(body).id);

    for (const secret of [oldSecret, newSecret]) {
      const { receiver, seen } = receiverFor(stripe({ secret }));
      expect((await post(receiver, { 'stripe-signature': header }, body)).status).toBe(200);
      expect(seen).toHaveLength(1);
    }
    const stranger = receiverFor(stripe({ secret: stripeSecret() }));
    expect((await post(stranger.receiver, { 'stripe-signature': header }, body)).status).toBe(401);
    expect(stranger.seen).toHaveLength(0);
  });

  it('rejects a header made with a secret we do not hold', async () => {
    const { receiver, seen } = receiverFor(stripe({ secret: stripeSecret() }));
    const body = stripePayload();
    const header = stripeClient.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret() });
    expect((await post(receiver, { 'stripe-signature': header }, body)).status).toBe(401);
    expect(seen).toHaveLength(0);
  });
});

describe('@octokit/webhooks-methods → hookgate', () => {
  it('accepts x-hub-signature-256 made by octokit sign', async () => {
    const secret = githubSecret();
    const { receiver, seen } = receiverFor(github({ secret }));
    const body = githubPayload();
    const delivery = randomUUID();
    const headers = {
      'x-hub-signature-256': await octokitSign(secret, body),
      'x-github-event': 'issues',
      'x-github-delivery': delivery,
    };

    const response = await post(receiver, headers, body);

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.event).toEqual(JSON.parse(body));
    expect(seen[0]?.ctx.id).toBe(delivery);
    expect(seen[0]?.ctx.type).toBe('issues.opened');
  });

  it('rotation: with two secrets configured, a delivery signed with the old one passes', async () => {
    const oldSecret = githubSecret();
    const newSecret = githubSecret();
    const { receiver, seen } = receiverFor(github({ secrets: [newSecret, oldSecret] }));
    const body = githubPayload('closed');
    const headers = {
      'x-hub-signature-256': await octokitSign(oldSecret, body),
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
    };
    expect((await post(receiver, headers, body)).status).toBe(200);
    expect(seen[0]?.ctx.type).toBe('issues.closed');
  });

  it('rejects a signature made with a secret we do not hold', async () => {
    const { receiver, seen } = receiverFor(github({ secret: githubSecret() }));
    const body = githubPayload();
    const headers = {
      'x-hub-signature-256': await octokitSign(githubSecret(), body),
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
    };
    expect((await post(receiver, headers, body)).status).toBe(401);
    expect(seen).toHaveLength(0);
  });
});

describe('hookgate sign helpers → the senders’ libraries', () => {
  it('signStandardWebhooks verifies in standardwebhooks Webhook#verify', () => {
    const secret = whsec();
    const body = standardPayload();
    const headers = signStandardWebhooks({ secret, body });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new StandardWebhook(whsec()).verify(body, headers)).toThrow();
  });

  it('signStandardWebhooks with a bare base64 secret verifies in standardwebhooks', () => {
    const secret = whsec();
    const body = standardPayload();
    const headers = signStandardWebhooks({ secret: secret.slice('whsec_'.length), body });
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signStandardWebhooks over bytes verifies in standardwebhooks over the same bytes', () => {
    const secret = whsec();
    const bytes = Buffer.from(standardPayload(), 'utf8');
    const headers = signStandardWebhooks({ secret, body: new Uint8Array(bytes) });
    expect(new StandardWebhook(secret).verify(bytes, headers)).toEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('signStandardWebhooks({ svix: true }) verifies in svix Webhook#verify', () => {
    const secret = whsec();
    const body = standardPayload('user.created');
    const headers = signStandardWebhooks({ secret, body, svix: true });
    expect(Object.keys(headers).sort()).toEqual(['svix-id', 'svix-signature', 'svix-timestamp']);
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new SvixWebhook(whsec()).verify(body, headers)).toThrow();
  });

  it('signStripe verifies in stripe.webhooks.constructEvent', () => {
    const secret = stripeSecret();
    const body = stripePayload();
    const header = signStripe({ secret, body })['stripe-signature'];
    expect(header).toBeDefined();
    const event = stripeClient.webhooks.constructEvent(body, header ?? '', secret);
    expect(event).toEqual(JSON.parse(body));
    expect(() => stripeClient.webhooks.constructEvent(body, header ?? '', stripeSecret())).toThrow();
  });

  it('signStripe with an explicit timestamp verifies in constructEvent with that receive time', () => {
    const secret = stripeSecret();
    const body = stripePayload();
    const timestamp = 1_700_000_000;
    const header = signStripe({ secret, body, timestamp })['stripe-signature'] ?? '';
    expect(header.startsWith(`t=${timestamp},v1=`)).toBe(true);
    const event = stripeClient.webhooks.constructEvent(body, header, secret, 300, undefined, timestamp + 10);
    expect(event.id).toBe(JSON.parse(body).id);
  });

  it('signGitHub verifies in octokit verify', async () => {
    const secret = githubSecret();
    const body = githubPayload();
    const headers = signGitHub({ secret, body, event: 'issues' });
    const signature = headers['x-hub-signature-256'] ?? '';
    expect(await octokitVerify(secret, body, signature)).toBe(true);
    expect(await octokitVerify(githubSecret(), body, signature)).toBe(false);
    // Same bytes, same signature: our helper and octokit agree exactly.
    expect(signature).toBe(await octokitSign(secret, body));
  });
});

describe('round trip: our sign helpers → their verify → our receiver', () => {
  it('one Standard Webhooks delivery is accepted by both sides and dispatched once', async () => {
    const secret = whsec();
    const body = standardPayload();
    const headers = signStandardWebhooks({ secret, body });
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    const { receiver, seen } = receiverFor(standardWebhooks({ secret }));
    expect((await post(receiver, headers, body)).status).toBe(200);
    // The same delivery again is a duplicate: acknowledged, not dispatched twice.
    const again = await post(receiver, headers, body);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
    expect(seen).toHaveLength(1);
  });
});

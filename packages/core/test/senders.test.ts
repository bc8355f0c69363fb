// The senders added on the custom scheme and beside it: each verified against the vendor's own
// library where one is on npm (as the sender, or as an independent verifier of our signer), or
// against the vendor's published vector; then the same bad-input matrix for every one of them.
import { createHmac } from 'node:crypto';
import {
  clerk,
  createReceiver,
  type DeliveryContext,
  discord,
  gitlab,
  hookdeck,
  intercom,
  linear,
  mailgun,
  paddle,
  type ReceiverRequest,
  resend,
  type Scheme,
  square,
  twilio,
  twitch,
  vercel,
  zoom,
} from '@hookgate/core';
import {
  generateDiscordKeyPair,
  signDiscord,
  signGitLab,
  signHookdeck,
  signIntercom,
  signLinear,
  signMailgun,
  signPaddle,
  signSquare,
  signSvix,
  signTwilio,
  signTwitch,
  signVercel,
  signZoom,
} from '@hookgate/core/testing';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { NodeRuntime, Webhooks as PaddleWebhooks } from '@paddle/paddle-node-sdk';
import { verifyKey } from 'discord-interactions';
import { WebhooksHelper } from 'square';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import twilioLib from 'twilio';
import { describe, expect, test } from 'vitest';
import { errorCode, loadVectors } from './helpers.js';

const NOW = 1_760_000_000;
const clock = () => NOW * 1000;

function receive(scheme: Scheme) {
  const seen: { event: unknown; ctx: DeliveryContext }[] = [];
  const receiver = createReceiver({ scheme, now: clock });
  receiver.onAny((event, ctx) => {
    seen.push({ event, ctx });
  });
  return { receiver, seen };
}

function request(headers: Record<string, string>, body: string, url = '/webhooks'): ReceiverRequest {
  return { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, body };
}

describe('Twilio', () => {
  const vectors = (loadVectors() as unknown as { twilio: TwilioVector[] }).twilio;
  interface TwilioVector {
    authToken: string;
    url: string;
    params: Record<string, string>;
    signature: string;
    signatureWithPort443: string;
  }
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

  for (const v of vectors) {
    const { origin, pathname, search } = new URL(v.url);
    test('the published vector (twilio-node spec) verifies, with and without the default port', async () => {
      const { receiver, seen } = receive(twilio({ secret: v.authToken, url: origin }));
      const body = form(v.params);
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const plain = await receiver.handle(
        request({ ...headers, 'x-twilio-signature': v.signature }, body, pathname + search),
      );
      expect(plain.status).toBe(200);
      const ported = createReceiver({ scheme: twilio({ secret: v.authToken, url: `${origin}:443` }), now: clock });
      const withPort = await ported.handle(
        request({ ...headers, 'x-twilio-signature': v.signatureWithPort443 }, body, pathname + search),
      );
      expect(withPort.status).toBe(200);
      expect(seen[0]?.event).toMatchObject({ CallSid: 'CA1234567890ABCDE', Digits: '1234' });
    });

    test('the published vector: one parameter changed is rejected 401', async () => {
      const { receiver, seen } = receive(twilio({ secret: v.authToken, url: origin }));
      const body = form({ ...v.params, Digits: '9999' });
      const res = await receiver.handle(
        request(
          { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': v.signature },
          body,
          pathname + search,
        ),
      );
      expect(res.status).toBe(401);
      expect(errorCode(res.body)).toBe('invalid_signature');
      expect(seen).toHaveLength(0);
    });
  }

  test("twilio's getExpectedTwilioSignature as the sender: form parameters, repeated names included", async () => {
    const url = 'https://hooks.example.com/sms?tenant=7';
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+15550001', Body: 'héllo & bye' };
    const signature = twilioLib.getExpectedTwilioSignature('tok', url, params);
    const { receiver, seen } = receive(twilio({ secret: 'tok', url: 'https://hooks.example.com' }));
    const res = await receiver.handle(
      request(
        { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        new URLSearchParams(params).toString(),
        '/sms?tenant=7',
      ),
    );
    expect(res.status).toBe(200);
    expect(seen[0]?.ctx.type).toBe('message.delivered');
    // Our signer agrees with Twilio's validator, repeated names included.
    const ours = signTwilio({ authToken: 'tok', url, params: { ...params, Media: ['b', 'a'] } });
    const parsed: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(ours.body)) {
      const prior = parsed[name];
      parsed[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    expect(twilioLib.validateRequest('tok', ours.headers['x-twilio-signature'] ?? '', url, parsed)).toBe(true);
    const again = await receiver.handle(request(ours.headers, ours.body, '/sms?tenant=7'));
    expect(again.status).toBe(200);
  });

  test('JSON bodies: the bodySHA256 variant, checked by twilio.validateRequestWithBody; a changed body is 401', async () => {
    const json = JSON.stringify({ type: 'com.twilio.messaging.message.delivered', data: { sid: 'SM2' } });
    const signed = signTwilio({ authToken: 'tok', url: 'https://hooks.example.com/events', json });
    expect(twilioLib.validateRequestWithBody('tok', signed.headers['x-twilio-signature'] ?? '', signed.url, json)).toBe(
      true,
    );
    const path = signed.url.slice('https://hooks.example.com'.length);
    const { receiver, seen } = receive(twilio({ secret: 'tok', url: 'https://hooks.example.com' }));
    expect((await receiver.handle(request(signed.headers, json, path))).status).toBe(200);
    expect(seen[0]?.ctx.type).toBe('com.twilio.messaging.message.delivered');
    const tampered = await receiver.handle(request(signed.headers, json.replace('SM2', 'SM3'), path));
    expect(tampered.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  test('the HMAC-SHA256 SharedKey variant, and no SharedKey configured means 401', async () => {
    const url = 'https://hooks.example.com/voice';
    const params = { CallSid: 'CA9', CallStatus: 'completed' };
    const signature = twilioLib.getExpectedTwilioSignature('shared', url, params, 'HMAC_SHA256');
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256',
    };
    const body = new URLSearchParams(params).toString();
    const withKey = receive(twilio({ secret: 'tok', sharedKey: 'shared', url: 'https://hooks.example.com' }));
    expect((await withKey.receiver.handle(request(headers, body, '/voice'))).status).toBe(200);
    expect(withKey.seen[0]?.ctx.type).toBe('call.completed');
    const without = receive(twilio({ secret: 'tok', url: 'https://hooks.example.com' }));
    expect((await without.receiver.handle(request(headers, body, '/voice'))).status).toBe(401);
  });

  test('the URL comes from x-forwarded-proto/host by default; a redelivery of the same request is a duplicate', async () => {
    const url = 'https://edge.example.com/sms';
    const signed = signTwilio({ authToken: 'tok', url, params: { MessageSid: 'SM5', MessageStatus: 'sent' } });
    const headers = {
      ...signed.headers,
      host: 'internal:3000',
      'x-forwarded-host': 'edge.example.com',
      'x-forwarded-proto': 'https',
    };
    const { receiver, seen } = receive(twilio({ secret: 'tok' }));
    expect((await receiver.handle(request(headers, signed.body, '/sms'))).status).toBe(200);
    const dup = await receiver.handle(request(headers, signed.body, '/sms'));
    expect(JSON.parse(dup.body)).toMatchObject({ status: 'duplicate' });
    expect(seen).toHaveLength(1);
    const wrongHost = await receiver.handle(
      request({ ...signed.headers, host: 'evil.example.com' }, signed.body, '/sms'),
    );
    expect(wrongHost.status).toBe(401);
  });
});

describe('Svix senders: Clerk and Resend', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  for (const [name, make] of [
    ['clerk', clerk],
    ['resend', resend],
  ] as const) {
    test(`${name}: svix's Webhook.sign as the sender; named ${name} in ctx and dedupe`, async () => {
      const body = JSON.stringify({ type: name === 'clerk' ? 'user.created' : 'email.delivered', data: {} });
      const signature = new SvixWebhook(secret).sign('msg_abc', new Date(NOW * 1000), body);
      const { receiver, seen } = receive(make({ secret }));
      const headers = { 'svix-id': 'msg_abc', 'svix-timestamp': String(NOW), 'svix-signature': signature };
      expect((await receiver.handle(request(headers, body))).status).toBe(200);
      expect(seen[0]?.ctx).toMatchObject({ scheme: name, id: 'msg_abc', dedupeKey: `${name}:msg_abc` });
      expect(signSvix({ secret, body, id: 'msg_abc', timestamp: NOW })['svix-signature']).toBe(signature);
    });
  }
});

describe('GitLab', () => {
  const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main' });

  test('X-Gitlab-Token: typed by object_kind, id from Idempotency-Key; a wrong token is 401', async () => {
    const { receiver, seen } = receive(gitlab({ token: 'glpat-hook-token' }));
    const headers = signGitLab({ body, token: 'glpat-hook-token', idempotencyKey: 'key-1', event: 'Push Hook' });
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ type: 'push', id: 'key-1' });
    const wrong = await receiver.handle(request({ ...headers, 'x-gitlab-token': 'nope' }, body));
    expect(errorCode(wrong.body)).toBe('invalid_signature');
  });

  test("signing token: standardwebhooks' Webhook.sign as the sender (GitLab signs Standard Webhooks style)", async () => {
    const signingToken = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const signature = new StandardWebhook(signingToken).sign('idem-9', new Date(NOW * 1000), body);
    const { receiver, seen } = receive(gitlab({ signingToken }));
    const headers = {
      'webhook-id': 'idem-9',
      'webhook-timestamp': String(NOW),
      'webhook-signature': signature,
      'idempotency-key': 'idem-9',
    };
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ scheme: 'gitlab', id: 'idem-9', type: 'push' });
    // With only a signing token configured, a token header alone does not get in.
    const tokenOnly = await receiver.handle(request(signGitLab({ body, token: signingToken }), body));
    expect(errorCode(tokenOnly.body)).toBe('missing_header');
  });

  test('configuration: neither token nor signing token is an error', () => {
    expect(() => gitlab({})).toThrow(/token/);
  });
});

describe('Linear', () => {
  const secret = 'lin_wh_secret';
  const bodyAt = (ms: number) =>
    JSON.stringify({ action: 'create', type: 'Issue', data: { id: 'i1' }, webhookTimestamp: ms });

  test('@linear/sdk LinearWebhookClient.verify agrees with our signer; typed by body type, id Linear-Delivery', async () => {
    const body = bodyAt(Date.now());
    const headers = signLinear({ secret, body, delivery: 'd-1' });
    expect(new LinearWebhookClient(secret).verify(Buffer.from(body), headers['linear-signature'] ?? '')).toBe(true);
    const receiver = createReceiver({ scheme: linear({ secret }) });
    const seen: DeliveryContext[] = [];
    receiver.onAny((_event, ctx) => {
      seen.push(ctx);
    });
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'Issue', id: 'd-1' });
  });

  test('the signed webhookTimestamp (ms) goes through the window; a body without one is 400', async () => {
    const { receiver } = receive(linear({ secret }));
    const stale = bodyAt((NOW - 600) * 1000);
    const res = await receiver.handle(request(signLinear({ secret, body: stale }), stale));
    expect(errorCode(res.body)).toBe('timestamp_outside_window');
    const none = JSON.stringify({ type: 'Issue' });
    const missing = await receiver.handle(request(signLinear({ secret, body: none }), none));
    expect(missing.status).toBe(400);
    expect(errorCode(missing.body)).toBe('invalid_body');
  });
});

describe('Discord', () => {
  const pair = generateDiscordKeyPair();

  test('discord-interactions verifyKey agrees with our signer; PING is answered {"type":1} only once signed', async () => {
    const body = JSON.stringify({ id: 'int_1', type: 1, application_id: 'app' });
    const headers = signDiscord({ privateKey: pair.privateKey, body, timestamp: NOW });
    expect(
      await verifyKey(
        body,
        headers['x-signature-ed25519'] ?? '',
        headers['x-signature-timestamp'] ?? '',
        pair.publicKey,
      ),
    ).toBe(true);
    const { receiver, seen } = receive(discord({ publicKey: pair.publicKey }));
    const res = await receiver.handle(request(headers, body));
    expect(res).toMatchObject({ status: 200, body: '{"type":1}' });
    expect(seen).toHaveLength(0);
    const unsigned = await receiver.handle(request({ 'x-signature-timestamp': String(NOW) }, body));
    expect(unsigned.status).toBe(401);
  });

  test('an application command is dispatched, typed by the interaction type name; a Webhook Events PING gets 204', async () => {
    const { receiver, seen } = receive(discord({ publicKey: pair.publicKey }));
    const command = JSON.stringify({ id: 'int_2', type: 2, data: { name: 'deploy' }, token: 't' });
    expect(
      (
        await receiver.handle(
          request(signDiscord({ privateKey: pair.privateKey, body: command, timestamp: NOW }), command),
        )
      ).status,
    ).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'int_2', type: 'APPLICATION_COMMAND' });
    const ping = JSON.stringify({ version: 1, application_id: 'app', type: 0 });
    const pong = await receiver.handle(
      request(signDiscord({ privateKey: pair.privateKey, body: ping, timestamp: NOW }), ping),
    );
    expect(pong.status).toBe(204);
    const event = JSON.stringify({
      version: 1,
      application_id: 'app',
      type: 1,
      event: { type: 'APPLICATION_AUTHORIZED', timestamp: 'x', data: {} },
    });
    await receiver.handle(request(signDiscord({ privateKey: pair.privateKey, body: event, timestamp: NOW }), event));
    expect(seen[1]?.ctx.type).toBe('APPLICATION_AUTHORIZED');
  });
});

describe('Zoom', () => {
  const secret = 'zoom_secret_token';

  test('endpoint.url_validation (signed) is answered with plainToken and its HMAC, as Zoom documents', async () => {
    const body = JSON.stringify({
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: 1,
      event: 'endpoint.url_validation',
    });
    const { receiver, seen } = receive(zoom({ secret }));
    const res = await receiver.handle(request(signZoom({ secret, body, timestamp: NOW }), body));
    const expected = createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: expected });
    expect(seen).toHaveLength(0);
    const unsigned = await receiver.handle(request({ 'x-zm-request-timestamp': String(NOW) }, body));
    expect(unsigned.status).toBe(401);
  });

  test('an event (signed per Zoom docs: v0:<ts>:<body>) is typed by event; a re-signed redelivery is a duplicate', async () => {
    const body = JSON.stringify({ event: 'meeting.started', event_ts: 1, payload: { object: { id: 1 } } });
    const { receiver, seen } = receive(zoom({ secret }));
    const manual = `v0=${createHmac('sha256', secret).update(`v0:${NOW}:${body}`).digest('hex')}`;
    expect(signZoom({ secret, body, timestamp: NOW })['x-zm-signature']).toBe(manual);
    expect((await receiver.handle(request(signZoom({ secret, body, timestamp: NOW }), body))).status).toBe(200);
    const again = await receiver.handle(request(signZoom({ secret, body, timestamp: NOW + 60 }), body));
    expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate' });
    expect(seen.map((s) => s.ctx.type)).toEqual(['meeting.started']);
  });
});

describe('Twitch EventSub', () => {
  const secret = 'twitch-secret-123';
  const at = new Date(NOW * 1000).toISOString().replace('Z', '123456Z');

  test('webhook_callback_verification (signed) is answered with the challenge as text', async () => {
    const body = JSON.stringify({
      challenge: 'pogchamp-kappa-360noscope-vohiyo',
      subscription: { type: 'channel.follow' },
    });
    const headers = signTwitch({ secret, body, timestamp: at, messageType: 'webhook_callback_verification' });
    const { receiver, seen } = receive(twitch({ secret }));
    const res = await receiver.handle(request(headers, body));
    expect(res).toMatchObject({ status: 200, body: 'pogchamp-kappa-360noscope-vohiyo' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(seen).toHaveLength(0);
    const { 'twitch-eventsub-message-signature': _, ...unsigned } = headers;
    expect((await receiver.handle(request(unsigned, body))).status).toBe(401);
  });

  test('a notification (signed per Twitch docs: id + timestamp + body, RFC 3339 nanoseconds) is typed by subscription type', async () => {
    const body = JSON.stringify({ subscription: { type: 'channel.follow' }, event: { user_id: '1' } });
    const headers = signTwitch({ secret, body, timestamp: at, messageId: 'm-1', subscriptionType: 'channel.follow' });
    const manual = createHmac('sha256', secret).update(`m-1${at}${body}`).digest('hex');
    expect(headers['twitch-eventsub-message-signature']).toBe(`sha256=${manual}`);
    const { receiver, seen } = receive(twitch({ secret }));
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'm-1', type: 'channel.follow', timestamp: NOW });
    const revocation = signTwitch({ secret, body, timestamp: at, messageType: 'revocation', messageId: 'm-2' });
    await receiver.handle(request(revocation, body));
    expect(seen[1]?.ctx.type).toBe('revocation');
  });
});

describe('Vercel, Intercom, Hookdeck (no vendor verifier on npm: signed per their docs)', () => {
  test('vercel: hex HMAC-SHA1 of the body; id and type from the body', async () => {
    const body = JSON.stringify({ id: 'evt_v1', type: 'deployment.succeeded', payload: {} });
    const headers = signVercel({ secret: 'vsec', body });
    expect(headers['x-vercel-signature']).toBe(createHmac('sha1', 'vsec').update(body).digest('hex'));
    const { receiver, seen } = receive(vercel({ secret: 'vsec' }));
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'evt_v1', type: 'deployment.succeeded' });
  });

  test('intercom: sha1=<hex HMAC-SHA1>; id and topic from the body', async () => {
    const body = JSON.stringify({
      type: 'notification_event',
      id: 'notif_1',
      topic: 'conversation.user.created',
      data: {},
    });
    const headers = signIntercom({ secret: 'client_secret', body });
    expect(headers['x-hub-signature']).toBe(`sha1=${createHmac('sha1', 'client_secret').update(body).digest('hex')}`);
    const { receiver, seen } = receive(intercom({ secret: 'client_secret' }));
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'notif_1', type: 'conversation.user.created' });
  });

  test('hookdeck: base64 HMAC-SHA256; id x-hookdeck-eventid, type from the forwarded body', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', id: 'in_1' });
    const headers = signHookdeck({ secret: 'hd', body, eventId: 'evt_h1' });
    expect(headers['x-hookdeck-signature']).toBe(createHmac('sha256', 'hd').update(body).digest('base64'));
    const { receiver, seen } = receive(hookdeck({ secret: 'hd' }));
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'evt_h1', type: 'invoice.paid' });
  });
});

describe('Square and Paddle (their SDKs verify our signer)', () => {
  test('square: WebhooksHelper.verifySignature agrees; the notification URL is signed', async () => {
    const notificationUrl = 'https://example.com/webhooks/square';
    const body = JSON.stringify({ merchant_id: 'M', type: 'payment.updated', event_id: 'e-1', data: {} });
    const headers = signSquare({ secret: 'sig-key', body, notificationUrl });
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: body,
        signatureHeader: headers['x-square-hmacsha256-signature'] ?? '',
        signatureKey: 'sig-key',
        notificationUrl,
      }),
    ).toBe(true);
    const { receiver, seen } = receive(square({ secret: 'sig-key', notificationUrl }));
    expect((await receiver.handle(request(headers, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'e-1', type: 'payment.updated' });
    const otherUrl = receive(square({ secret: 'sig-key', notificationUrl: 'https://example.com/other' }));
    expect((await otherUrl.receiver.handle(request(headers, body))).status).toBe(401);
    expect(() => square({ secret: 'k' } as never)).toThrow(/notificationUrl/);
  });

  test('paddle: Webhooks.isSignatureValid agrees; ts;h1 pairs; several h1 while rotating', async () => {
    const body = JSON.stringify({ event_id: 'evt_01', event_type: 'transaction.completed', data: {} });
    const now = Math.floor(Date.now() / 1000);
    const headers = signPaddle({ secret: 'pdl_ntfset_secret', body, timestamp: now });
    NodeRuntime.initialize(); // what new Paddle() does: the SDK's crypto provider
    expect(
      await new PaddleWebhooks().isSignatureValid(body, 'pdl_ntfset_secret', headers['paddle-signature'] ?? ''),
    ).toBe(true);
    const receiver = createReceiver({ scheme: paddle({ secret: 'pdl_ntfset_secret' }) });
    const seen: DeliveryContext[] = [];
    receiver.onAny((_e, ctx) => {
      seen.push(ctx);
    });
    const rotated = { 'paddle-signature': `${headers['paddle-signature']};h1=${'0'.repeat(64)}` };
    expect((await receiver.handle(request(rotated, body))).status).toBe(200);
    expect(seen[0]).toMatchObject({ id: 'evt_01', type: 'transaction.completed', timestamp: now });
  });
});

describe('Mailgun (signature in the body: published example)', () => {
  // Mailgun's "Securing webhooks" example: timestamp + token, HMAC-SHA256 with the signing key.
  test('the signed token is the dedupe id: a captured signature with another event runs once', async () => {
    const { receiver, seen } = receive(mailgun({ secret: 'key-mailgun' }));
    const body = signMailgun({
      signingKey: 'key-mailgun',
      eventData: { event: 'delivered', id: 'ev1' },
      timestamp: NOW,
      token: 'tok1',
    });
    const parsed = JSON.parse(body) as { signature: { signature: string } };
    expect(parsed.signature.signature).toBe(createHmac('sha256', 'key-mailgun').update(`${NOW}tok1`).digest('hex'));
    expect((await receiver.handle(request({}, body))).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'tok1', type: 'delivered', timestamp: NOW });
    const swapped = body.replace('"delivered"', '"failed"');
    expect(JSON.parse((await receiver.handle(request({}, swapped))).body)).toMatchObject({ status: 'duplicate' });
    expect(seen).toHaveLength(1);
  });

  test('form posts carry the same three fields; a body with no signature is 401', async () => {
    const { receiver, seen } = receive(mailgun({ secret: 'key-mailgun' }));
    const signature = createHmac('sha256', 'key-mailgun').update(`${NOW}tok2`).digest('hex');
    const form = new URLSearchParams({ event: 'opened', timestamp: String(NOW), token: 'tok2', signature }).toString();
    const res = await receiver.handle(request({ 'content-type': 'application/x-www-form-urlencoded' }, form));
    expect(res.status).toBe(200);
    expect(seen[0]?.ctx.type).toBe('opened');
    const none = await receiver.handle(request({}, JSON.stringify({ 'event-data': { event: 'delivered' } })));
    expect(errorCode(none.body)).toBe('missing_header');
    const notJson = await receiver.handle(request({}, '{not json'));
    expect(errorCode(notJson.body)).toBe('malformed_header');
  });
});

// The same bad input, for every new sender: nothing reaches a handler, and each gets a stable 401 code.
interface BadInputCase {
  name: string;
  scheme: Scheme;
  wrongKey: Scheme;
  /** A valid delivery signed at `at` seconds. */
  sign(body: string, at: number): { headers: Record<string, string>; url?: string };
  signatureHeader: string;
  malformed?: string;
  signsTimestamp: boolean;
  body?: (at: number) => string;
}

const discordPair = generateDiscordKeyPair();
const otherDiscordPair = generateDiscordKeyPair();
const iso = (at: number) => new Date(at * 1000).toISOString();
const squareUrl = 'https://example.com/sq';
const cases: BadInputCase[] = [
  {
    name: 'twilio',
    scheme: twilio({ secret: 'tok', url: 'https://h.example.com' }),
    wrongKey: twilio({ secret: 'other', url: 'https://h.example.com' }),
    sign: (body) => {
      const signed = signTwilio({ authToken: 'tok', url: 'https://h.example.com/t', json: body });
      return { headers: signed.headers, url: signed.url.slice('https://h.example.com'.length) };
    },
    signatureHeader: 'x-twilio-signature',
    signsTimestamp: false,
  },
  {
    name: 'gitlab',
    scheme: gitlab({ signingToken: `whsec_${Buffer.alloc(32, 1).toString('base64')}` }),
    wrongKey: gitlab({ signingToken: `whsec_${Buffer.alloc(32, 2).toString('base64')}` }),
    sign: (body, at) => ({
      headers: signGitLab({ body, signingToken: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, timestamp: at }),
    }),
    signatureHeader: 'webhook-signature',
    malformed: 'nocomma',
    signsTimestamp: true,
  },
  {
    name: 'linear',
    scheme: linear({ secret: 's' }),
    wrongKey: linear({ secret: 'x' }),
    sign: (body) => ({ headers: signLinear({ secret: 's', body }) }),
    signatureHeader: 'linear-signature',
    signsTimestamp: true,
    body: (at) => JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: at * 1000 }),
  },
  {
    name: 'discord',
    scheme: discord({ publicKey: discordPair.publicKey }),
    wrongKey: discord({ publicKey: otherDiscordPair.publicKey }),
    sign: (body, at) => ({ headers: signDiscord({ privateKey: discordPair.privateKey, body, timestamp: at }) }),
    signatureHeader: 'x-signature-ed25519',
    signsTimestamp: true,
    body: () => JSON.stringify({ id: 'i', type: 2, token: 't' }),
  },
  {
    name: 'zoom',
    scheme: zoom({ secret: 's' }),
    wrongKey: zoom({ secret: 'x' }),
    sign: (body, at) => ({ headers: signZoom({ secret: 's', body, timestamp: at }) }),
    signatureHeader: 'x-zm-signature',
    malformed: 'v1=abc',
    signsTimestamp: true,
  },
  {
    name: 'twitch',
    scheme: twitch({ secret: 'twitch-secret' }),
    wrongKey: twitch({ secret: 'other-secret' }),
    sign: (body, at) => ({ headers: signTwitch({ secret: 'twitch-secret', body, timestamp: iso(at) }) }),
    signatureHeader: 'twitch-eventsub-message-signature',
    malformed: 'md5=abc',
    signsTimestamp: true,
  },
  {
    name: 'clerk',
    scheme: clerk({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    wrongKey: clerk({ secret: `whsec_${Buffer.alloc(24, 3).toString('base64')}` }),
    sign: (body, at) => ({
      headers: signSvix({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body, timestamp: at }),
    }),
    signatureHeader: 'svix-signature',
    malformed: 'nocomma',
    signsTimestamp: true,
  },
  {
    name: 'resend',
    scheme: resend({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    wrongKey: resend({ secret: `whsec_${Buffer.alloc(24, 3).toString('base64')}` }),
    sign: (body, at) => ({
      headers: signSvix({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body, timestamp: at }),
    }),
    signatureHeader: 'svix-signature',
    malformed: 'nocomma',
    signsTimestamp: true,
  },
  {
    name: 'vercel',
    scheme: vercel({ secret: 's' }),
    wrongKey: vercel({ secret: 'x' }),
    sign: (body) => ({ headers: signVercel({ secret: 's', body }) }),
    signatureHeader: 'x-vercel-signature',
    signsTimestamp: false,
  },
  {
    name: 'intercom',
    scheme: intercom({ secret: 's' }),
    wrongKey: intercom({ secret: 'x' }),
    sign: (body) => ({ headers: signIntercom({ secret: 's', body }) }),
    signatureHeader: 'x-hub-signature',
    malformed: 'sha256=abc',
    signsTimestamp: false,
  },
  {
    name: 'square',
    scheme: square({ secret: 's', notificationUrl: squareUrl }),
    wrongKey: square({ secret: 'x', notificationUrl: squareUrl }),
    sign: (body) => ({ headers: signSquare({ secret: 's', body, notificationUrl: squareUrl }) }),
    signatureHeader: 'x-square-hmacsha256-signature',
    signsTimestamp: false,
  },
  {
    name: 'paddle',
    scheme: paddle({ secret: 's' }),
    wrongKey: paddle({ secret: 'x' }),
    sign: (body, at) => ({ headers: signPaddle({ secret: 's', body, timestamp: at }) }),
    signatureHeader: 'paddle-signature',
    malformed: 'h1=abc',
    signsTimestamp: true,
  },
  {
    name: 'hookdeck',
    scheme: hookdeck({ secret: 's' }),
    wrongKey: hookdeck({ secret: 'x' }),
    sign: (body) => ({ headers: signHookdeck({ secret: 's', body }) }),
    signatureHeader: 'x-hookdeck-signature',
    signsTimestamp: false,
  },
];

describe.each(cases)('bad input: $name', (c) => {
  const bodyAt =
    c.body ?? ((at: number) => JSON.stringify({ type: 'thing.happened', id: `evt_${at}`, event_type: 'x' }));
  const run = async (scheme: Scheme, mutate: (req: ReceiverRequest) => ReceiverRequest, at = NOW) => {
    const body = bodyAt(at);
    const { headers, url } = c.sign(body, at);
    const { receiver, seen } = receive(scheme);
    const res = await receiver.handle(mutate(request(headers, body, url)));
    return { res, seen, code: res.status === 200 ? undefined : errorCode(res.body) };
  };

  test('a valid delivery is processed (the baseline the rows below change one thing of)', async () => {
    const { res, seen } = await run(c.scheme, (req) => req);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  test('a tampered body is 401 invalid_signature, no handler', async () => {
    const { res, seen, code } = await run(c.scheme, (req) => ({ ...req, body: `${String(req.body).slice(0, -1)} }` }));
    expect([res.status, code, seen.length]).toEqual([401, 'invalid_signature', 0]);
  });

  test('the wrong key is 401 invalid_signature', async () => {
    const { res, code, seen } = await run(c.wrongKey, (req) => req);
    expect([res.status, code, seen.length]).toEqual([401, 'invalid_signature', 0]);
  });

  test('no signature header is 401 missing_header', async () => {
    const { res, code, seen } = await run(c.scheme, (req) => {
      const headers = { ...(req.headers as Record<string, string>) };
      delete headers[c.signatureHeader];
      return { ...req, headers };
    });
    expect([res.status, code, seen.length]).toEqual([401, 'missing_header', 0]);
  });

  test('a malformed signature header is 401 with a stable code', async () => {
    const { res, code, seen } = await run(c.scheme, (req) => ({
      ...req,
      headers: { ...(req.headers as Record<string, string>), [c.signatureHeader]: c.malformed ?? 'not-a-signature' },
    }));
    expect(res.status).toBe(401);
    expect(['malformed_header', 'invalid_signature']).toContain(code);
    expect(code).toBe(c.malformed === undefined ? 'invalid_signature' : 'malformed_header');
    expect(seen).toHaveLength(0);
  });

  if (c.signsTimestamp) {
    test('a stale signed timestamp is 401 timestamp_outside_window', async () => {
      const { res, code, seen } = await run(c.scheme, (req) => req, NOW - 3600);
      expect([res.status, code, seen.length]).toEqual([401, 'timestamp_outside_window', 0]);
    });
  }
});

test('every sender names its redelivery profile and the headers that carry its signature', () => {
  for (const c of cases) {
    expect(c.scheme.redelivery, c.name).toBeDefined();
    expect(c.scheme.signatureHeaders, c.name).toContain(c.signatureHeader);
  }
  // A GitLab token is the secret itself: it must never be logged or captured.
  expect(gitlab({ token: 't' }).signatureHeaders).toContain('x-gitlab-token');
  expect(twilio({ secret: 't' }).redelivery?.retries).toBe(0);
  expect(paddle({ secret: 't' }).redelivery).toMatchObject({ retries: 60, timeoutMs: 5000 });
  expect(mailgun({ secret: 'k' }).redelivery?.retries).toBe(7);
});

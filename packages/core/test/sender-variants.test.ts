// What the existing senders also send: GitHub's form bodies, Shopify's header family without x-,
// Slack's unsigned ssl_check; and what an attacker sends: a Slack JSON event relabelled as a form,
// a Standard Webhooks header stuffed with Ed25519 entries.
import {
  createReceiver,
  type DeliveryContext,
  github,
  type Scheme,
  shopify,
  slack,
  standardWebhooks,
} from '@hookgate/core';
import { generateStandardWebhooksKeyPair, signShopify, signSlack, signStandardWebhooks } from '@hookgate/core/testing';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { describe, expect, test } from 'vitest';
import { errorCode } from './helpers.js';

const NOW = 1_760_000_000;

function receive(scheme: Scheme) {
  const seen: { event: unknown; ctx: DeliveryContext }[] = [];
  const receiver = createReceiver({ scheme, now: () => NOW * 1000 });
  receiver.onAny((event, ctx) => {
    seen.push({ event, ctx });
  });
  return { receiver, seen };
}

describe('GitHub application/x-www-form-urlencoded (its default for a new hook)', () => {
  const payload = { action: 'opened', issue: { number: 7 } };
  const form = `payload=${encodeURIComponent(JSON.stringify(payload))}`;

  test('@octokit/webhooks-methods signs the form body; it verifies and parses to the JSON GitHub wrapped', async () => {
    const signature = await octokitSign('gh-secret', form);
    const { receiver, seen } = receive(github({ secret: 'gh-secret' }));
    const res = await receiver.handle({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-hub-signature-256': signature,
        'x-github-event': 'issues',
        'x-github-delivery': 'd-1',
      },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(seen[0]?.event).toEqual(payload);
    expect(seen[0]?.ctx).toMatchObject({ type: 'issues.opened', id: 'd-1' });
  });

  test('a form without a payload field is 400 invalid_json with a hint; a forged form is 401', async () => {
    const { receiver } = receive(github({ secret: 'gh-secret' }));
    const other = 'foo=bar';
    const res = await receiver.handle({
      method: 'POST',
      url: '/',
      headers: { 'x-hub-signature-256': await octokitSign('gh-secret', other), 'x-github-event': 'ping' },
      body: other,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(/neither JSON nor a form with a payload field/);
    const forged = await receiver.handle({
      method: 'POST',
      url: '/',
      headers: { 'x-hub-signature-256': await octokitSign('wrong', form), 'x-github-event': 'issues' },
      body: form,
    });
    expect(forged.status).toBe(401);
  });
});

describe("Shopify's header family without x-", () => {
  test('shopify-hmac-sha256, shopify-topic, shopify-event-id verify and describe like the x- ones', async () => {
    const body = JSON.stringify({ id: 1 });
    const legacy = signShopify({ secret: 'shp', body, topic: 'orders/create', eventId: 'ev-1' });
    const modern = Object.fromEntries(Object.entries(legacy).map(([name, value]) => [name.replace(/^x-/, ''), value]));
    const { receiver, seen } = receive(shopify({ secret: 'shp' }));
    expect((await receiver.handle({ method: 'POST', url: '/', headers: modern, body })).status).toBe(200);
    expect(seen[0]?.ctx).toMatchObject({ id: 'ev-1', type: 'orders/create' });
    const forged = {
      ...modern,
      'shopify-hmac-sha256': signShopify({ secret: 'other', body })['x-shopify-hmac-sha256'] ?? '',
    };
    expect((await receiver.handle({ method: 'POST', url: '/', headers: forged, body })).status).toBe(401);
  });
});

describe("Slack's ssl_check", () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  test('the unsigned ssl_check=1&token=… form gets an empty 200: no handler, no dedupe claim, no error report', async () => {
    let reported = 0;
    let claims = 0;
    const receiver = createReceiver({
      scheme: slack({ secret: 'slk' }),
      now: () => NOW * 1000,
      dedupe: {
        store: {
          claim: () => {
            claims++;
            return { status: 'claimed', token: 't' };
          },
          complete: () => true,
          release: () => true,
        },
      },
    });
    let ran = 0;
    receiver.onAny(() => {
      ran++;
    });
    receiver.onError(() => {
      reported++;
    });
    const res = await receiver.handle({
      method: 'POST',
      url: '/',
      headers: form,
      body: 'ssl_check=1&token=xyzz0WbapA4vBCDEFasx0q6G',
    });
    expect(res).toMatchObject({ status: 200, body: '' });
    expect([ran, claims, reported]).toEqual([0, 0, 0]);
  });

  test('anything else unsigned is still 401: another field, a JSON body, a signature header present, a wrong value', async () => {
    const { receiver, seen } = receive(slack({ secret: 'slk' }));
    const unsigned = [
      'ssl_check=1&token=t&command=%2Fdeploy',
      'ssl_check=1&ssl_check=1',
      'ssl_check=0&token=t',
      'ssl_check=1&text=hi',
      JSON.stringify({ ssl_check: '1' }),
    ];
    for (const body of unsigned) {
      const res = await receiver.handle({ method: 'POST', url: '/', headers: form, body });
      expect([body, res.status]).toEqual([body, 401]);
    }
    const withHeader = await receiver.handle({
      method: 'POST',
      url: '/',
      headers: { ...form, 'x-slack-signature': 'v0=00' },
      body: 'ssl_check=1&token=t',
    });
    expect(errorCode(withHeader.body)).toBe('missing_header');
    expect(seen).toHaveLength(0);
  });

  test('the scheme itself never verifies it: verify still throws for the unsigned form', async () => {
    const scheme = slack({ secret: 'slk' });
    const request = { method: 'POST', url: '/', headers: form, body: Buffer.from('ssl_check=1&token=t') };
    expect(scheme.answerUnsigned?.(request)).toMatchObject({ status: 200 });
    await expect(async () => scheme.verify(request)).rejects.toThrow(/Missing required header/);
  });
});

test('a Slack JSON event resent with a form Content-Type is still parsed as JSON and deduped by event_id', async () => {
  const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention' } });
  const headers = signSlack({ secret: 'slk', body, timestamp: NOW });
  const { receiver, seen } = receive(slack({ secret: 'slk' }));
  expect(
    (
      await receiver.handle({
        method: 'POST',
        url: '/',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      })
    ).status,
  ).toBe(200);
  const relabelled = await receiver.handle({
    method: 'POST',
    url: '/',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(JSON.parse(relabelled.body)).toMatchObject({ status: 'duplicate' });
  expect(seen).toHaveLength(1);
  expect(seen[0]?.ctx).toMatchObject({ id: 'Ev1', type: 'app_mention' });
});

test('Standard Webhooks: at most 2 v1a (Ed25519) entries are tried, so a stuffed header costs 2 checks, not 10', async () => {
  const pair = generateStandardWebhooksKeyPair();
  const body = JSON.stringify({ type: 'x' });
  const good = signStandardWebhooks({ secret: pair.secretKey, body, id: 'msg_1', timestamp: NOW });
  const decoy = signStandardWebhooks({ secret: pair.secretKey, body: 'other', id: 'msg_1', timestamp: NOW })[
    'webhook-signature'
  ];
  const { receiver } = receive(standardWebhooks({ secret: pair.publicKey }));
  const second = { ...good, 'webhook-signature': `${decoy} ${good['webhook-signature']}` };
  expect((await receiver.handle({ method: 'POST', url: '/', headers: second, body })).status).toBe(200);
  const third = { ...good, 'webhook-signature': `${decoy} ${decoy} ${good['webhook-signature']}` };
  const res = await receiver.handle({ method: 'POST', url: '/', headers: third, body });
  expect(errorCode(res.body)).toBe('invalid_signature');
});

import { createHmac } from 'node:crypto';
import { createReceiver, github, shopify, slack, standardWebhooks, stripe } from '@hookgate/core';
import { signStandardWebhooks, signStripe } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { clockAt, errorCode, loadVectors, post } from './helpers.js';

const vectors = loadVectors();

describe('Standard Webhooks published vectors', () => {
  for (const v of vectors.standardWebhooks) {
    const receive = () => createReceiver({ scheme: standardWebhooks({ secret: v.secret }), now: clockAt(v.timestamp) });
    const headers = (signature: string) => ({
      'webhook-id': v.id,
      'webhook-timestamp': String(v.timestamp),
      'webhook-signature': signature,
    });

    test('the published signature verifies', async () => {
      const res = await receive().handle(post(headers(v.signature), v.body));
      expect(res.status).toBe(200);
    });

    test('our signer reproduces the published signature', () => {
      const signed = signStandardWebhooks({ secret: v.secret, id: v.id, timestamp: v.timestamp, body: v.body });
      expect(signed['webhook-signature']).toBe(v.signature);
    });

    test.each(v.invalidSignatures)('invalid signature %s is rejected 401', async (signature) => {
      const res = await receive().handle(post(headers(signature), v.body));
      expect(res.status).toBe(401);
      expect(errorCode(res.body)).toBe('invalid_signature');
    });

    test('decoys alone are rejected; a decoy beside the real one is accepted', async () => {
      const alone = await receive().handle(post(headers(v.decoys.join(' ')), v.body));
      expect(alone.status).toBe(401);
      const mixed = await receive().handle(post(headers([...v.decoys, v.signature].join(' ')), v.body));
      expect(mixed.status).toBe(200);
    });

    test('the svix-* header names verify the same vector', async () => {
      const res = await receive().handle(
        post({ 'svix-id': v.id, 'svix-timestamp': String(v.timestamp), 'svix-signature': v.signature }, v.body),
      );
      expect(res.status).toBe(200);
    });

    test('the secret works without its whsec_ prefix', async () => {
      const receiver = createReceiver({
        scheme: standardWebhooks({ secret: v.secret.replace(/^whsec_/, '') }),
        now: clockAt(v.timestamp),
      });
      expect((await receiver.handle(post(headers(v.signature), v.body))).status).toBe(200);
    });
  }
});

describe('GitHub published vectors', () => {
  for (const v of vectors.github) {
    test(`${v.secret}: the published signature verifies and a flipped one does not`, async () => {
      const receiver = createReceiver({ scheme: github({ secret: v.secret }), dedupe: false });
      // One vector's body is not JSON: the signature must verify (it is checked first), then 400.
      const expected = isJson(v.body) ? 200 : 400;
      const ok = await receiver.handle(post({ [v.header]: v.signature, 'x-github-event': 'ping' }, v.body));
      expect(ok.status).toBe(expected);
      const flipped = v.signature.slice(0, -1) + (v.signature.endsWith('0') ? '1' : '0');
      const bad = await receiver.handle(post({ [v.header]: flipped, 'x-github-event': 'ping' }, v.body));
      expect(bad.status).toBe(401);
    });
  }
});

describe('Slack published vectors', () => {
  for (const v of vectors.slack) {
    test('the published slash-command signature verifies and the form parses', async () => {
      const seen: unknown[] = [];
      const receiver = createReceiver({ scheme: slack({ secret: v.secret }), now: clockAt(v.timestamp) });
      receiver.onAny((event, ctx) => {
        seen.push({ event, type: ctx.type });
      });
      const headers = {
        [v.header]: v.signature,
        'x-slack-request-timestamp': String(v.timestamp),
        'content-type': v.contentType,
      };
      const res = await receiver.handle(post(headers, v.body));
      expect(res.status).toBe(200);
      expect(seen).toEqual([
        {
          type: '/webhook-collect',
          event: expect.objectContaining({ command: '/webhook-collect', user_name: 'roadrunner', text: '' }),
        },
      ]);
    });

    test('one second of timestamp drift breaks the signature', async () => {
      const receiver = createReceiver({ scheme: slack({ secret: v.secret }), now: clockAt(v.timestamp) });
      const headers = {
        [v.header]: v.signature,
        'x-slack-request-timestamp': String(v.timestamp + 1),
        'content-type': v.contentType,
      };
      expect((await receiver.handle(post(headers, v.body))).status).toBe(401);
    });
  }
});

describe('Stripe published HMAC vectors', () => {
  for (const group of vectors.stripeRawHmac) {
    test.each(group.cases)('HMAC of %j matches stripe-node', ({ input, hex }) => {
      expect(createHmac('sha256', group.secret).update(input, 'utf8').digest('hex')).toBe(hex);
    });
  }

  test('a Stripe-Signature built from those HMACs verifies through the scheme', async () => {
    const group = vectors.stripeRawHmac[0]!;
    const t = 1_700_000_000;
    const body = '{"id":"evt_1","type":"invoice.paid"}';
    const headers = signStripe({ secret: group.secret, body, timestamp: t });
    const receiver = createReceiver({ scheme: stripe({ secret: group.secret }), now: clockAt(t) });
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
  });
});

describe('Shopify published vectors', () => {
  for (const v of vectors.shopify) {
    test('the published signature verifies; the topic is the event type', async () => {
      const types: (string | undefined)[] = [];
      const receiver = createReceiver({ scheme: shopify({ secret: v.secret }) });
      receiver.onAny((_event, ctx) => {
        types.push(ctx.type);
      });
      const res = await receiver.handle(post({ [v.header]: v.signature, ...v.otherHeaders }, v.body));
      expect(res.status).toBe(200);
      expect(types).toEqual([v.otherHeaders['x-shopify-topic']]);
    });

    test('a wrong secret is rejected', async () => {
      const receiver = createReceiver({ scheme: shopify({ secret: `${v.secret}x` }) });
      const res = await receiver.handle(post({ [v.header]: v.signature, ...v.otherHeaders }, v.body));
      expect(res.status).toBe(401);
    });
  }
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// Key rotation with an overlap window: labelled secrets with notBefore/notAfter, the matched label
// returned by verify (never the secret), misconfigured secrets refused at construction.
import { createHmac } from 'node:crypto';
import {
  createReceiver,
  custom,
  github,
  HookgateError,
  hmac,
  type Scheme,
  type SchemeRequest,
  shopify,
  slack,
  standardWebhooks,
  stripe,
  token,
  twilio,
} from '@hookgate/core';
import {
  generateStandardWebhooksKeyPair,
  signGitHub,
  signShopify,
  signSlack,
  signStandardWebhooks,
  signStripe,
} from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { errorCode } from './helpers.js';

const NOW = 1_760_000_000;
const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
const schemeRequest = (headers: Record<string, string>, payload = body): SchemeRequest => ({
  method: 'POST',
  url: '/',
  headers,
  body: Buffer.from(payload),
});

describe('labels and windows', () => {
  const at = (iso: string) => () => Date.parse(iso);
  const secrets = [
    { secret: 'old-secret', label: '2025-q3', notAfter: '2025-10-01T00:00:00Z' },
    { secret: 'new-secret', label: '2025-q4', notBefore: new Date('2025-09-25T00:00:00Z') },
  ];

  test('during the overlap both verify and verify returns which one matched; never the secret', async () => {
    const scheme = github({ secrets, now: at('2025-09-28T00:00:00Z') });
    const old = await scheme.verify(schemeRequest(signGitHub({ secret: 'old-secret', body })));
    const fresh = await scheme.verify(schemeRequest(signGitHub({ secret: 'new-secret', body })));
    expect(old.secretLabel).toBe('2025-q3');
    expect(fresh.secretLabel).toBe('2025-q4');
    expect(JSON.stringify([old, fresh])).not.toContain('secret"');
    expect(JSON.stringify([old, fresh])).not.toMatch(/old-secret|new-secret/);
  });

  test('after notAfter the old secret is rejected 401; before notBefore the new one is', async () => {
    const after = createReceiver({ scheme: github({ secrets, now: at('2025-10-02T00:00:00Z') }) });
    const oldRes = await after.handle({
      method: 'POST',
      url: '/',
      headers: signGitHub({ secret: 'old-secret', body }),
      body,
    });
    expect(errorCode(oldRes.body)).toBe('invalid_signature');
    const newRes = await after.handle({
      method: 'POST',
      url: '/',
      headers: signGitHub({ secret: 'new-secret', body }),
      body,
    });
    expect(newRes.status).toBe(200);
    const before = github({ secrets, now: at('2025-09-01T00:00:00Z') });
    await expect(async () => before.verify(schemeRequest(signGitHub({ secret: 'new-secret', body })))).rejects.toThrow(
      HookgateError,
    );
    expect((await before.verify(schemeRequest(signGitHub({ secret: 'old-secret', body })))).secretLabel).toBe(
      '2025-q3',
    );
  });

  test('every scheme returns the label: stripe, slack, shopify, hmac, standardWebhooks (v1 and v1a), token, custom', async () => {
    const label = async (scheme: Scheme, headers: Record<string, string>) =>
      (await scheme.verify(schemeRequest(headers))).secretLabel;
    const entry = (secret: string) => [
      { secret: 'unused-1', label: 'a' },
      { secret, label: 'b' },
    ];
    const now = () => NOW * 1000;
    expect(
      await label(stripe({ secrets: entry('whsec_s'), now }), signStripe({ secret: 'whsec_s', body, timestamp: NOW })),
    ).toBe('b');
    expect(await label(slack({ secrets: entry('slk'), now }), signSlack({ secret: 'slk', body, timestamp: NOW }))).toBe(
      'b',
    );
    expect(await label(shopify({ secrets: entry('shp') }), signShopify({ secret: 'shp', body }))).toBe('b');
    expect(await label(hmac({ secrets: entry('h'), header: 'x-sig' }), { 'x-sig': hexHmac('h') })).toBe('b');
    const whsec = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const sw = standardWebhooks({ secrets: [{ secret: whsec, label: 'hmac-key' }] });
    expect(await label(sw, signStandardWebhooks({ secret: whsec, body, timestamp: NOW }))).toBe('hmac-key');
    const pair = generateStandardWebhooksKeyPair();
    const ed = standardWebhooks({ secrets: [{ secret: pair.publicKey, label: 'ed-key' }] });
    expect(await label(ed, signStandardWebhooks({ secret: pair.secretKey, body, timestamp: NOW }))).toBe('ed-key');
    const tok = token({
      header: 'x-token',
      tokens: [
        { secret: 't1', label: 'first' },
        { secret: 't2', label: 'second' },
      ],
    });
    expect(await label(tok, { 'x-token': 't2' })).toBe('second');
    const c = custom({
      name: 'c',
      secrets: entry('cs'),
      signature: { header: 'x-sig' },
      algorithm: 'hmac-sha256',
      encoding: 'hex',
    });
    expect(await label(c, { 'x-sig': hexHmac('cs') })).toBe('b');
    // Unlabelled: no label, and the lookup is the one-call path.
    expect(await label(github({ secret: 'g' }), signGitHub({ secret: 'g', body }))).toBeUndefined();
  });

  test('an expired token no longer verifies', async () => {
    const tok = token({ header: 'x-token', tokens: [{ secret: 't1', notAfter: 0 }], now: () => 1000 });
    await expect(async () => tok.verify(schemeRequest({ 'x-token': 't1' }))).rejects.toThrow(/No signature matched/);
  });

  test('window and label mistakes are configuration errors', () => {
    expect(() => github({ secret: { secret: 'g', notBefore: 'soon' } })).toThrow(/notBefore is not a valid time/);
    expect(() => github({ secret: { secret: 'g', notBefore: 10, notAfter: 5 } })).toThrow(/later than notBefore/);
    expect(() => github({ secret: { secret: 'g', label: '' } })).toThrow(/label must be a non-empty string/);
  });
});

/** A plain HMAC-SHA256 hex of the body, written independently of the code under test. */
function hexHmac(secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

describe('misconfigured secrets are refused with a message that says what is wrong', () => {
  const refused = (make: () => unknown, message: RegExp) => {
    let caught: unknown;
    try {
      make();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HookgateError);
    expect((caught as HookgateError).code).toBe('invalid_configuration');
    expect((caught as HookgateError).message).toMatch(message);
    // The message never repeats the secret.
    expect((caught as HookgateError).message).not.toContain('sk_live_abc123');
  };

  test('a Stripe API key given as the signing secret', () => {
    refused(() => stripe({ secret: 'sk_live_abc123' }), /Stripe API key \(sk_…\/rk_…\).*whsec_/);
    refused(() => stripe({ secret: 'rk_test_abc123' }), /Stripe API key/);
    refused(() => stripe({ secrets: ['whsec_ok', 'pk_live_abc'] }), /secret #2 is a Stripe publishable key/);
  });

  test('a trailing newline, surrounding whitespace, whitespace only', () => {
    refused(() => github({ secret: 'abc\n' }), /ends with a newline/);
    refused(() => slack({ secret: 'abc\r\n' }), /ends with a newline/);
    refused(() => shopify({ secret: ' abc' }), /whitespace around it/);
    refused(() => token({ header: 'x', token: '   ' }), /only whitespace/);
    refused(() => twilio({ secret: '\t' }), /only whitespace/);
  });

  test('Standard Webhooks: a whsec_-less secret that is not base64 says what a Standard Webhooks secret looks like', () => {
    refused(() => standardWebhooks({ secret: 'my-plain-text-secret!' }), /neither whsec_<base64> nor base64.*whsec_…/);
    refused(
      () => standardWebhooks({ secret: `whsk_${Buffer.alloc(32).toString('base64')}` }),
      /whsk_ signing \(private\) key/,
    );
    // A bare base64 secret (the whsec_ prefix dropped) stays accepted.
    expect(() => standardWebhooks({ secret: Buffer.alloc(24, 1).toString('base64') })).not.toThrow();
  });

  test('bytes secrets skip the text checks', () => {
    expect(() => hmac({ secret: Buffer.from(' \n'), header: 'x' })).not.toThrow();
  });
});

test('a delivery signed with an expired secret is answered 401 through handle, and runs nothing', async () => {
  const receiver = createReceiver({
    scheme: stripe({
      secrets: [{ secret: 'whsec_old', notAfter: (NOW - 60) * 1000 }, 'whsec_new'],
      now: () => NOW * 1000,
    }),
    now: () => NOW * 1000,
  });
  let ran = 0;
  receiver.onAny(() => {
    ran++;
  });
  const old = await receiver.handle({
    method: 'POST',
    url: '/',
    headers: signStripe({ secret: 'whsec_old', body, timestamp: NOW }),
    body,
  });
  expect(old.status).toBe(401);
  const fresh = await receiver.handle({
    method: 'POST',
    url: '/',
    headers: signStripe({ secret: 'whsec_new', body, timestamp: NOW }),
    body,
  });
  expect(fresh.status).toBe(200);
  expect(ran).toBe(1);
});

/**
 * The deliveries every runtime receives: published vectors (test/fixtures'
 * copy of shared/test-vectors.json) and deliveries signed by the senders' own
 * libraries (standardwebhooks, svix, stripe, @octokit/webhooks-methods), each
 * with its forgeries. Built on Node, where those libraries run; the runtimes
 * only receive.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { generateStandardWebhooksKeyPair, signStandardWebhooks } from '@hookgate/core/testing';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { loadVectors } from '../../packages/core/test/helpers.js';
import type { ReceiverPlan } from './app.js';

export interface RuntimeCase {
  name: string;
  receiver: ReceiverPlan;
  headers: Record<string, string>;
  body: string;
  /** What a correct receiver answers. */
  status: number;
  /** The error code when it refuses. */
  code?: string;
}

const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const flipLast = (text: string) => text.slice(0, -1) + (text.endsWith('0') ? '1' : '0');
const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function buildCases(): Promise<RuntimeCase[]> {
  const vectors = loadVectors();
  const cases: RuntimeCase[] = [];
  const add = (entry: RuntimeCase) => cases.push(entry);

  // Standard Webhooks: published vectors (HMAC v1).
  for (const [n, v] of vectors.standardWebhooks.entries()) {
    const receiver: ReceiverPlan = {
      scheme: { kind: 'standardWebhooks', options: { secret: v.secret } },
      now: v.timestamp,
    };
    const headers = (signature: string) => ({
      'webhook-id': v.id,
      'webhook-timestamp': String(v.timestamp),
      'webhook-signature': signature,
    });
    add({
      name: `standard webhooks vector ${n}: published signature`,
      receiver,
      headers: headers(v.signature),
      body: v.body,
      status: 200,
    });
    for (const [i, signature] of v.invalidSignatures.entries()) {
      add({
        name: `standard webhooks vector ${n}: invalid signature ${i}`,
        receiver,
        headers: headers(signature),
        body: v.body,
        status: 401,
        code: 'invalid_signature',
      });
    }
    add({
      name: `standard webhooks vector ${n}: decoys alone`,
      receiver,
      headers: headers(v.decoys.join(' ')),
      body: v.body,
      status: 401,
      code: 'invalid_signature',
    });
    add({
      name: `standard webhooks vector ${n}: decoys beside the real one`,
      receiver,
      headers: headers([...v.decoys, v.signature].join(' ')),
      body: v.body,
      status: 200,
    });
    add({
      name: `standard webhooks vector ${n}: svix-* header names`,
      receiver,
      headers: { 'svix-id': v.id, 'svix-timestamp': String(v.timestamp), 'svix-signature': v.signature },
      body: v.body,
      status: 200,
    });
    add({
      name: `standard webhooks vector ${n}: tampered body`,
      receiver,
      headers: headers(v.signature),
      body: `${v.body} `,
      status: 401,
      code: 'invalid_signature',
    });
  }

  // Standard Webhooks signed by the standardwebhooks and svix libraries, and Ed25519 (v1a).
  {
    const secret = whsec();
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const body = JSON.stringify({ type: 'invoice.paid', data: { note: 'café ☕ 日本 🎉' } });
    const receiver: ReceiverPlan = { scheme: { kind: 'standardWebhooks', options: { secret } } };
    const headers = (signature: string) => ({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    });
    add({
      name: 'standardwebhooks library: signed delivery',
      receiver,
      headers: headers(new StandardWebhook(secret).sign(id, now, body)),
      body,
      status: 200,
    });
    add({
      name: 'standardwebhooks library: another secret',
      receiver,
      headers: headers(new StandardWebhook(whsec()).sign(id, now, body)),
      body,
      status: 401,
      code: 'invalid_signature',
    });
    add({
      name: 'svix library: signed delivery',
      receiver,
      headers: {
        'svix-id': id,
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': new SvixWebhook(secret).sign(id, now, body),
      },
      body,
      status: 200,
    });
    add({
      name: 'standard webhooks: no signature header',
      receiver,
      headers: { 'webhook-id': id, 'webhook-timestamp': '1' },
      body,
      status: 401,
      code: 'missing_header',
    });
    const stale = new Date(now.getTime() - 3600_000);
    add({
      name: 'standardwebhooks library: signed an hour ago',
      receiver,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(stale.getTime() / 1000)),
        'webhook-signature': new StandardWebhook(secret).sign(id, stale, body),
      },
      body,
      status: 401,
      code: 'timestamp_outside_window',
    });

    const pair = generateStandardWebhooksKeyPair();
    const ed25519: ReceiverPlan = { scheme: { kind: 'standardWebhooks', options: { secret: pair.publicKey } } };
    add({
      name: 'standard webhooks Ed25519 (v1a): signed delivery',
      receiver: ed25519,
      headers: signStandardWebhooks({ secret: pair.secretKey, body }),
      body,
      status: 200,
    });
    add({
      name: 'standard webhooks Ed25519 (v1a): another key',
      receiver: ed25519,
      headers: signStandardWebhooks({ secret: generateStandardWebhooksKeyPair().secretKey, body }),
      body,
      status: 401,
      code: 'invalid_signature',
    });
    const both: ReceiverPlan = { scheme: { kind: 'standardWebhooks', options: { secrets: [secret, pair.publicKey] } } };
    add({
      name: 'standard webhooks: HMAC and Ed25519 keys, Ed25519 signature',
      receiver: both,
      headers: signStandardWebhooks({ secret: pair.secretKey, body }),
      body,
      status: 200,
    });
  }

  // Stripe: signed by the stripe library; the published raw HMACs through the generic HMAC scheme.
  {
    const stripeClient = new Stripe('sk_test_hookgate_runtimes');
    const secret = `whsec_${randomBytes(16).toString('hex')}`;
    const body = JSON.stringify({
      id: `evt_${randomUUID()}`,
      object: 'event',
      type: 'invoice.paid',
      data: { object: { note: 'naïve 🚀' } },
    });
    const receiver: ReceiverPlan = { scheme: { kind: 'stripe', options: { secret } } };
    const header = await stripeClient.webhooks.generateTestHeaderStringAsync({ payload: body, secret });
    add({
      name: 'stripe library: signed delivery',
      receiver,
      headers: { 'stripe-signature': header },
      body,
      status: 200,
    });
    add({
      name: 'stripe library: tampered body',
      receiver,
      headers: { 'stripe-signature': header },
      body: body.replace('invoice', 'invoicf'),
      status: 401,
      code: 'invalid_signature',
    });
    add({
      name: 'stripe: header without a timestamp',
      receiver,
      headers: { 'stripe-signature': 'v1=abc' },
      body,
      status: 401,
      code: 'malformed_header',
    });
  }
  for (const group of vectors.stripeRawHmac) {
    for (const [i, { input, hex }] of group.cases.entries()) {
      const receiver: ReceiverPlan = {
        scheme: { kind: 'hmac', options: { secret: group.secret, header: 'x-signature', idField: 'obj1' } },
      };
      // The HMAC verifies first; a body that is not JSON is then refused as such (400), never 401.
      add({
        name: `stripe published HMAC ${i}`,
        receiver,
        headers: { 'x-signature': hex },
        body: input,
        status: input.startsWith('{') ? 200 : 400,
      });
      add({
        name: `stripe published HMAC ${i}: flipped`,
        receiver,
        headers: { 'x-signature': flipLast(hex) },
        body: input,
        status: 401,
        code: 'invalid_signature',
      });
    }
  }

  // GitHub: published vectors and @octokit/webhooks-methods.
  for (const [n, v] of vectors.github.entries()) {
    const receiver: ReceiverPlan = { scheme: { kind: 'github', options: { secret: v.secret } } };
    const headers = (signature: string) => ({ [v.header]: signature, 'x-github-event': 'ping' });
    const json = v.body.startsWith('{');
    add({
      name: `github vector ${n}: published signature`,
      receiver,
      headers: headers(v.signature),
      body: v.body,
      status: json ? 200 : 400,
    });
    add({
      name: `github vector ${n}: flipped`,
      receiver,
      headers: headers(flipLast(v.signature)),
      body: v.body,
      status: 401,
      code: 'invalid_signature',
    });
  }
  {
    const secret = `gh-${randomBytes(12).toString('base64url')}`;
    const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Ünïcödé 🐛' } });
    const receiver: ReceiverPlan = { scheme: { kind: 'github', options: { secret } } };
    const signature = await octokitSign(secret, body);
    const headers = { 'x-hub-signature-256': signature, 'x-github-event': 'issues', 'x-github-delivery': randomUUID() };
    add({ name: '@octokit/webhooks-methods: signed delivery', receiver, headers, body, status: 200 });
    add({
      name: '@octokit/webhooks-methods: another secret',
      receiver,
      headers: { ...headers, 'x-hub-signature-256': await octokitSign('other', body) },
      body,
      status: 401,
      code: 'invalid_signature',
    });
    add({
      name: 'github: signature without sha256=',
      receiver,
      headers: { ...headers, 'x-hub-signature-256': signature.slice(7) },
      body,
      status: 401,
      code: 'malformed_header',
    });
  }

  // Slack and Shopify: published vectors.
  for (const [n, v] of vectors.slack.entries()) {
    const receiver: ReceiverPlan = { scheme: { kind: 'slack', options: { secret: v.secret } }, now: v.timestamp };
    const headers = (timestamp: number) => ({
      [v.header]: v.signature,
      'x-slack-request-timestamp': String(timestamp),
      'content-type': v.contentType,
    });
    add({
      name: `slack vector ${n}: published signature, form body`,
      receiver,
      headers: headers(v.timestamp),
      body: v.body,
      status: 200,
    });
    add({
      name: `slack vector ${n}: one second of drift`,
      receiver,
      headers: headers(v.timestamp + 1),
      body: v.body,
      status: 401,
      code: 'invalid_signature',
    });
  }
  for (const [n, v] of vectors.shopify.entries()) {
    const receiver: ReceiverPlan = { scheme: { kind: 'shopify', options: { secret: v.secret } } };
    add({
      name: `shopify vector ${n}: published signature`,
      receiver,
      headers: { [v.header]: v.signature, ...v.otherHeaders },
      body: v.body,
      status: 200,
    });
    add({
      name: `shopify vector ${n}: wrong secret`,
      receiver: { scheme: { kind: 'shopify', options: { secret: `${v.secret}x` } } },
      headers: { [v.header]: v.signature, ...v.otherHeaders },
      body: v.body,
      status: 401,
      code: 'invalid_signature',
    });
  }

  // The generic HMAC scheme in the other algorithms and encodings, and shared tokens.
  {
    const body = JSON.stringify({ type: 'thing.happened', id: 'evt_1' });
    const timestamp = nowSeconds();
    for (const [algorithm, encoding] of [
      ['sha1', 'hex'],
      ['sha512', 'base64url'],
      ['sha384', 'base64'],
    ] as const) {
      const receiver: ReceiverPlan = {
        scheme: {
          kind: 'hmac',
          options: {
            secret: 'generic',
            header: 'x-sig',
            algorithm,
            encoding,
            signedContent: '{timestamp}:{body}',
            timestampHeader: 'x-ts',
            prefix: 'v=',
          },
        },
      };
      const signature = createHmac(algorithm, 'generic').update(`${timestamp}:${body}`).digest(encoding);
      add({
        name: `hmac ${algorithm} ${encoding}: signed delivery`,
        receiver,
        headers: { 'x-sig': `v=${signature}`, 'x-ts': String(timestamp) },
        body,
        status: 200,
      });
      add({
        name: `hmac ${algorithm} ${encoding}: other timestamp`,
        receiver,
        headers: { 'x-sig': `v=${signature}`, 'x-ts': String(timestamp + 1) },
        body,
        status: 401,
        code: 'invalid_signature',
      });
    }
    const receiver: ReceiverPlan = {
      scheme: {
        kind: 'token',
        options: { header: 'x-gitlab-token', tokens: ['old-token', 'new-token-2'], typeHeader: 'x-gitlab-event' },
      },
    };
    add({
      name: 'token: the new token',
      receiver,
      headers: { 'x-gitlab-token': 'new-token-2', 'x-gitlab-event': 'Push Hook' },
      body,
      status: 200,
    });
    add({
      name: 'token: a wrong token',
      receiver,
      headers: { 'x-gitlab-token': 'new-token' },
      body,
      status: 401,
      code: 'invalid_signature',
    });
    add({ name: 'token: no token', receiver, headers: {}, body, status: 401, code: 'missing_header' });
  }
  return cases;
}

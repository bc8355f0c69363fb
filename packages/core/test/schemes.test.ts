import {
  createReceiver,
  github,
  HookgateError,
  hmac,
  type Scheme,
  shopify,
  slack,
  standardWebhooks,
  stripe,
  token,
} from '@hookgate/core';
import {
  generateStandardWebhooksKeyPair,
  signGitHub,
  signHmac,
  signShopify,
  signSlack,
  signStandardWebhooks,
  signStripe,
} from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { errorCode, post } from './helpers.js';

const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SW_OLD = 'whsec_dGhlLW9sZC1zZWNyZXQtdGhhdC1pcy1yb3RhdGluZw==';
const body = JSON.stringify({ type: 'invoice.paid', id: 'evt_1', data: { id: 'in_1' } });

interface Seen {
  event: unknown;
  type: string | undefined;
  id: string | undefined;
  retryNum: number | undefined;
}

function receive(scheme: Scheme, nowMs?: number) {
  const seen: Seen[] = [];
  const receiver = createReceiver({ scheme, dedupe: false, ...(nowMs === undefined ? {} : { now: () => nowMs }) });
  receiver.onAny((event, ctx) => {
    seen.push({ event, type: ctx.type, id: ctx.id, retryNum: ctx.retryNum });
  });
  return { receiver, seen };
}

async function expectRejected(scheme: Scheme, headers: Record<string, string>, code: string, payload = body) {
  const { receiver, seen } = receive(scheme);
  const res = await receiver.handle(post(headers, payload));
  expect(res.status).toBe(401);
  expect(errorCode(res.body)).toBe(code);
  expect(seen).toEqual([]);
}

describe('configuration', () => {
  test.each([
    ['standardWebhooks', () => standardWebhooks({})],
    ['standardWebhooks empty', () => standardWebhooks({ secret: '' })],
    ['standardWebhooks bad base64', () => standardWebhooks({ secret: 'whsec_not base64!' })],
    ['standardWebhooks short whpk_', () => standardWebhooks({ secret: 'whpk_AAAA' })],
    ['stripe', () => stripe({ secrets: [] })],
    ['github', () => github({ secret: '' })],
    ['slack', () => slack({})],
    ['shopify', () => shopify({ secrets: ['ok', ''] })],
    ['hmac without header', () => hmac({ secret: 's', header: '' })],
    ['hmac without {body}', () => hmac({ secret: 's', header: 'x-sig', signedContent: '{timestamp}' })],
    ['hmac {id} without idHeader', () => hmac({ secret: 's', header: 'x-sig', signedContent: '{id}.{body}' })],
    ['hmac unsigned timestampHeader', () => hmac({ secret: 's', header: 'x-sig', timestampHeader: 'x-ts' })],
    ['token empty', () => token({ header: 'x-token', token: '' })],
  ])('%s is a configuration error, never an accept-all receiver', (_name, build) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HookgateError);
    expect((thrown as HookgateError).code).toBe('invalid_configuration');
  });

  test('createReceiver without a scheme throws', () => {
    expect(() => createReceiver({} as never)).toThrow(/scheme is required/);
  });
});

describe('standardWebhooks', () => {
  const scheme = standardWebhooks({ secret: SW_SECRET });

  test('verifies, types by the body type field, ids by webhook-id', async () => {
    const { receiver, seen } = receive(scheme);
    const headers = signStandardWebhooks({ secret: SW_SECRET, body, id: 'msg_1' });
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    expect(seen).toEqual([{ event: JSON.parse(body), type: 'invoice.paid', id: 'msg_1', retryNum: undefined }]);
  });

  test('rotation: a delivery signed with either configured secret verifies', async () => {
    const rotating = standardWebhooks({ secrets: [SW_SECRET, SW_OLD] });
    for (const secret of [SW_SECRET, SW_OLD]) {
      const { receiver } = receive(rotating);
      const res = await receiver.handle(post(signStandardWebhooks({ secret, body }), body));
      expect(res.status).toBe(200);
    }
    await expectRejected(scheme, signStandardWebhooks({ secret: SW_OLD, body }), 'invalid_signature');
  });

  test('v1a Ed25519 with a whpk_ public key', async () => {
    const pair = generateStandardWebhooksKeyPair();
    const other = generateStandardWebhooksKeyPair();
    const asymmetric = standardWebhooks({ secrets: [pair.publicKey, SW_SECRET] });
    const { receiver } = receive(asymmetric);
    const headers = signStandardWebhooks({ secret: pair.secretKey, body });
    expect(headers['webhook-signature']).toMatch(/^v1a,/);
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    await expectRejected(asymmetric, signStandardWebhooks({ secret: other.secretKey, body }), 'invalid_signature');
    const tampered = { ...headers, 'webhook-id': 'msg_other' };
    await expectRejected(asymmetric, tampered, 'invalid_signature');
  });

  test.each([
    ['webhook-signature', 'missing_header'],
    ['webhook-id', 'missing_header'],
    ['webhook-timestamp', 'missing_header'],
  ])('without %s: 401 %s', async (header, code) => {
    const headers: Record<string, string> = signStandardWebhooks({ secret: SW_SECRET, body });
    delete headers[header];
    await expectRejected(scheme, headers, code);
  });

  test.each(['123abc', '1e9', ' 1700000000', '-5', '1700000000.5', ''])('timestamp %j is rejected', async (ts) => {
    const headers = { ...signStandardWebhooks({ secret: SW_SECRET, body }), 'webhook-timestamp': ts };
    const { receiver } = receive(scheme);
    const res = await receiver.handle(post(headers, body));
    expect(res.status).toBe(401);
    expect(['malformed_header', 'missing_header']).toContain(errorCode(res.body));
  });

  test('a signature header with no version,value entry is malformed', async () => {
    const headers = { ...signStandardWebhooks({ secret: SW_SECRET, body }), 'webhook-signature': 'garbage' };
    await expectRejected(scheme, headers, 'malformed_header');
  });

  test('only the first 10 signature entries are considered', async () => {
    const headers = signStandardWebhooks({ secret: SW_SECRET, body });
    const junk = Array.from({ length: 10 }, (_, i) => `v1,${Buffer.alloc(32, i).toString('base64')}`);
    const late = { ...headers, 'webhook-signature': [...junk, headers['webhook-signature']].join(' ') };
    await expectRejected(scheme, late, 'invalid_signature');
    const early = { ...headers, 'webhook-signature': [...junk.slice(1), headers['webhook-signature']].join(' ') };
    const { receiver } = receive(scheme);
    expect((await receiver.handle(post(early, body))).status).toBe(200);
  });

  test('a valid signature with junk appended is rejected', async () => {
    const headers = signStandardWebhooks({ secret: SW_SECRET, body });
    const padded = { ...headers, 'webhook-signature': `${headers['webhook-signature']}AA` };
    await expectRejected(scheme, padded, 'invalid_signature');
  });
});

describe('stripe', () => {
  const secret = 'whsec_test_stripe_secret';
  const scheme = stripe({ secret });

  test('verifies; the id and type come from the body', async () => {
    const { receiver, seen } = receive(scheme);
    expect((await receiver.handle(post(signStripe({ secret, body }), body))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'invoice.paid', id: 'evt_1' });
  });

  test('several v1 entries: any match passes; v0 and unknown entries are ignored', async () => {
    const { receiver } = receive(scheme);
    const signed = signStripe({ secret, body })['stripe-signature']!;
    const [t, v1] = signed.split(',');
    const header = `${t},v0=${'0'.repeat(64)},v1=${'a'.repeat(64)},${v1},x=1`;
    expect((await receiver.handle(post({ 'stripe-signature': header }, body))).status).toBe(200);
  });

  test('the secret is used as UTF-8 bytes, whsec_ included', async () => {
    const stripped = stripe({ secret: secret.replace('whsec_', '') });
    await expectRejected(stripped, signStripe({ secret, body }), 'invalid_signature');
  });

  test('no timestamp is malformed; no v1 is an invalid signature', async () => {
    await expectRejected(scheme, { 'stripe-signature': `v1=${'a'.repeat(64)}` }, 'malformed_header');
    await expectRejected(scheme, { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)}` }, 'invalid_signature');
  });

  test('a signature for another timestamp is rejected', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const header = signStripe({ secret, body, timestamp: ts })['stripe-signature']!.replace(`t=${ts}`, `t=${ts - 1}`);
    await expectRejected(scheme, { 'stripe-signature': header }, 'invalid_signature');
  });
});

describe('github', () => {
  const secret = 'gh-secret';
  const scheme = github({ secret });
  const issue = JSON.stringify({ action: 'opened', issue: { number: 1 } });

  test('type is x-github-event plus action; id is x-github-delivery', async () => {
    const { receiver, seen } = receive(scheme);
    const headers = signGitHub({ secret, body: issue, event: 'issues', delivery: 'd-1' });
    expect((await receiver.handle(post(headers, issue))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'issues.opened', id: 'd-1' });
  });

  test('an event without action is typed by the event alone', async () => {
    const { receiver, seen } = receive(scheme);
    const ping = '{"zen":"Keep it logically awesome."}';
    await receiver.handle(post(signGitHub({ secret, body: ping, event: 'ping' }), ping));
    expect(seen[0]?.type).toBe('ping');
  });

  test('the legacy sha1 header alone is not accepted', async () => {
    await expectRejected(scheme, { 'x-hub-signature': 'sha1=abc', 'x-github-event': 'ping' }, 'missing_header');
  });

  test('a value without the sha256= prefix is malformed', async () => {
    const headers = signGitHub({ secret, body: issue });
    const bare = { 'x-hub-signature-256': headers['x-hub-signature-256']!.slice(7) };
    await expectRejected(scheme, bare, 'malformed_header', issue);
  });

  test('upper-case hex is rejected: GitHub sends lower-case, and any altered text is a different signature', async () => {
    const headers = signGitHub({ secret, body: issue, event: 'issues' });
    const upper = {
      ...headers,
      'x-hub-signature-256': `sha256=${headers['x-hub-signature-256']!.slice(7).toUpperCase()}`,
    };
    await expectRejected(scheme, upper, 'invalid_signature', issue);
  });
});

describe('slack', () => {
  const secret = 'slack-signing-secret';
  const scheme = slack({ secret });

  test('answers the url_verification challenge without dispatching', async () => {
    const { receiver, seen } = receive(scheme);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
    const res = await receiver.handle(post(signSlack({ secret, body: challenge }), challenge));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: 'abc123' });
    expect(seen).toEqual([]);
  });

  test('an unsigned challenge is rejected', async () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123' });
    await expectRejected(
      scheme,
      { 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=00' },
      'invalid_signature',
      challenge,
    );
  });

  test('event_callback: typed by event.type, id event_id, retry number visible', async () => {
    const { receiver, seen } = receive(scheme);
    const event = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev1',
      event: { type: 'app_mention', text: 'hi' },
    });
    const headers = {
      ...signSlack({ secret, body: event }),
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_timeout',
    };
    expect((await receiver.handle(post(headers, event))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'app_mention', id: 'Ev1', retryNum: 2 });
  });

  test('interactivity: form-wrapped JSON payload is verified and parsed', async () => {
    const { receiver, seen } = receive(scheme);
    const payload = { type: 'block_actions', trigger_id: 'tr1', actions: [{ action_id: 'approve' }] };
    const form = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const headers = { ...signSlack({ secret, body: form }), 'content-type': 'application/x-www-form-urlencoded' };
    expect((await receiver.handle(post(headers, form))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'block_actions', id: 'tr1', event: payload });
  });

  test('a form payload that is not JSON answers 400', async () => {
    const { receiver } = receive(scheme);
    const form = 'payload=%7Bnot-json';
    const headers = { ...signSlack({ secret, body: form }), 'content-type': 'application/x-www-form-urlencoded' };
    const res = await receiver.handle(post(headers, form));
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('invalid_json');
  });
});

describe('shopify', () => {
  const secret = 'shpss_secret';
  const scheme = shopify({ secret });

  test('dedupe id prefers x-shopify-event-id over x-shopify-webhook-id', async () => {
    const { receiver, seen } = receive(scheme);
    const both = signShopify({ secret, body, topic: 'orders/create', webhookId: 'wh-1', eventId: 'ev-1' });
    await receiver.handle(post(both, body));
    const webhookOnly = signShopify({ secret, body, topic: 'orders/create', webhookId: 'wh-2' });
    await receiver.handle(post(webhookOnly, body));
    expect(seen.map((s) => [s.type, s.id])).toEqual([
      ['orders/create', 'ev-1'],
      ['orders/create', 'wh-2'],
    ]);
  });
});

describe('hmac (generic)', () => {
  test('prefix, base64, sha512, {id}.{timestamp}.{body}, id and timestamp headers', async () => {
    const options = {
      secret: 'generic',
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      signedContent: '{id}.{timestamp}.{body}',
      timestampHeader: 'X-Timestamp',
      idHeader: 'X-Delivery',
    } as const;
    const scheme = hmac({ ...options, name: 'acme', typeHeader: 'x-event' });
    const { receiver, seen } = receive(scheme);
    const headers = { ...signHmac({ ...options, body, id: 'del-9' }), 'x-event': 'thing.happened' };
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    expect(seen[0]).toMatchObject({ type: 'thing.happened', id: 'del-9' });
    await expectRejected(scheme, { ...headers, 'x-delivery': 'del-10' }, 'invalid_signature');
  });

  test('millisecond timestamps go through the window', async () => {
    const options = {
      secret: 's',
      header: 'x-sig',
      signedContent: '{timestamp}:{body}',
      timestampHeader: 'x-ts',
    } as const;
    const scheme = hmac({ ...options, timestampUnit: 'ms' });
    const nowMs = 1_700_000_000_000;
    const { receiver } = receive(scheme, nowMs);
    const fresh = signHmac({ ...options, body, timestamp: nowMs });
    expect((await receiver.handle(post(fresh, body))).status).toBe(200);
    const old = signHmac({ ...options, body, timestamp: nowMs - 301_000 });
    const res = await receiver.handle(post(old, body));
    expect(errorCode(res.body)).toBe('timestamp_outside_window');
  });

  test('an unsigned id header never overrides the signed body id; without idField it is the id', async () => {
    const scheme = hmac({ secret: 's', header: 'x-sig', idHeader: 'x-id', idField: 'id' });
    const { receiver, seen } = receive(scheme);
    const headers = signHmac({ secret: 's', header: 'x-sig', body });
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    expect((await receiver.handle(post({ ...headers, 'x-id': 'from-header' }, body))).status).toBe(200);
    expect(seen.map((s) => s.id)).toEqual(['evt_1', 'evt_1']);
    const headerOnly = receive(hmac({ secret: 's', header: 'x-sig', idHeader: 'x-id' }));
    await headerOnly.receiver.handle(post({ ...headers, 'x-id': 'from-header' }, body));
    expect(headerOnly.seen.map((s) => s.id)).toEqual(['from-header']);
  });

  test('the id can come from a body field', async () => {
    const scheme = hmac({ secret: 's', header: 'x-sig', idField: 'id' });
    const { receiver, seen } = receive(scheme);
    await receiver.handle(post(signHmac({ secret: 's', header: 'x-sig', body }), body));
    expect(seen[0]?.id).toBe('evt_1');
  });

  test('a wrong prefix is malformed; a truncated signature is rejected', async () => {
    const options = { secret: 's', header: 'x-sig', prefix: 'sha256=' } as const;
    const scheme = hmac(options);
    const headers = signHmac({ ...options, body });
    await expectRejected(scheme, { 'x-sig': headers['x-sig']!.replace('sha256=', 'sha1=') }, 'malformed_header');
    await expectRejected(scheme, { 'x-sig': headers['x-sig']!.slice(0, -2) }, 'invalid_signature');
  });
});

describe('token', () => {
  const scheme = token({
    header: 'X-Gitlab-Token',
    tokens: ['current-token', 'previous-token'],
    idHeader: 'x-gitlab-event-uuid',
    typeHeader: 'x-gitlab-event',
  });

  test('either rotated token is accepted; type and id from headers', async () => {
    for (const value of ['current-token', 'previous-token']) {
      const { receiver, seen } = receive(scheme);
      const headers = { 'x-gitlab-token': value, 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'u-1' };
      expect((await receiver.handle(post(headers, body))).status).toBe(200);
      expect(seen[0]).toMatchObject({ type: 'Push Hook', id: 'u-1' });
    }
  });

  test.each(['current-tokem', 'current-token ', 'c', ''])('token %j is rejected', async (value) => {
    const { receiver } = receive(scheme);
    const res = await receiver.handle(post({ 'x-gitlab-token': value }, body));
    expect(res.status).toBe(401);
  });
});

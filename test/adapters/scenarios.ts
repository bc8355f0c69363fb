import { randomUUID } from 'node:crypto';
import {
  createReceiver,
  type DeliveryContext,
  type DeliveryRecord,
  github,
  type HookgateError,
  hmac,
  type Receiver,
  type Scheme,
  shopify,
  slack,
  standardWebhooks,
  stripe,
} from '@hookgate/core';
import { signGitHub, signHmac, signShopify, signSlack, signStandardWebhooks, signStripe } from '@hookgate/core/testing';
import { expect, vi } from 'vitest';
import { type Answer, post, postRaw, sendDribbled, sendTruncated, streamUntilAnswered } from '../support/http.js';
import { deferred } from '../support/time.js';
import type { RunningApp, Target, Variant } from './targets.js';

const SECRET = 'whsec_c2VjcmV0LWZvci10aGUtY29uZm9ybWFuY2Utc3VpdGU=';
const LIMIT = 16 * 1024;

interface Fixture {
  scheme: Scheme;
  contentType: string;
  /** A fresh delivery body (unique id) with bytes a re-encoder would change. */
  body(): string;
  sign(body: string | Buffer): Record<string, string>;
  /** The event type the receiver should see. */
  type: string;
}

const json = (type: string, extra = '') =>
  `{"id":"evt_${randomUUID()}",  "type":"${type}","data":{"name":"Zoë 🚀","amount":1.50}${extra}}\n`;

const fixtures = {
  standardWebhooks: (): Fixture => ({
    scheme: standardWebhooks({ secret: SECRET }),
    contentType: 'application/json',
    body: () => json('invoice.paid'),
    sign: (body) => signStandardWebhooks({ secret: SECRET, body }),
    type: 'invoice.paid',
  }),
  stripe: (): Fixture => ({
    scheme: stripe({ secret: SECRET }),
    contentType: 'application/json; charset=utf-8',
    body: () => json('payment_intent.succeeded'),
    sign: (body) => signStripe({ secret: SECRET, body }),
    type: 'payment_intent.succeeded',
  }),
  github: (): Fixture => ({
    scheme: github({ secret: SECRET }),
    contentType: 'application/json',
    body: () => json('ignored', ',"action":"opened"'),
    sign: (body) => signGitHub({ secret: SECRET, body, event: 'issues' }),
    type: 'issues.opened',
  }),
  slackEvents: (): Fixture => ({
    scheme: slack({ secret: SECRET }),
    contentType: 'application/json',
    body: () =>
      `{"type":"event_callback","event_id":"Ev${randomUUID()}","event":{"type":"app_mention","text":"Zoë 🚀"}}`,
    sign: (body) => signSlack({ secret: SECRET, body }),
    type: 'app_mention',
  }),
  slackForm: (): Fixture => ({
    scheme: slack({ secret: SECRET }),
    contentType: 'application/x-www-form-urlencoded',
    body: () => `command=%2Fdeploy&text=Zo%C3%AB+%F0%9F%9A%80&trigger_id=${randomUUID()}`,
    sign: (body) => signSlack({ secret: SECRET, body }),
    type: '/deploy',
  }),
  shopify: (): Fixture => ({
    scheme: shopify({ secret: SECRET }),
    contentType: 'application/json',
    body: () => json('ignored'),
    sign: (body) => signShopify({ secret: SECRET, body, topic: 'orders/create' }),
    type: 'orders/create',
  }),
  hmac: (): Fixture => {
    const options = {
      secret: SECRET,
      header: 'x-signature',
      prefix: 'sha256=',
      signedContent: '{id}.{timestamp}.{body}',
      timestampHeader: 'x-timestamp',
      idHeader: 'x-delivery-id',
    };
    return {
      scheme: hmac(options),
      contentType: 'application/json',
      body: () => json('order.created'),
      sign: (body) => signHmac({ ...options, body }),
      type: 'order.created',
    };
  },
};

interface Call {
  event: unknown;
  ctx: DeliveryContext;
}

interface Harness {
  app: RunningApp;
  /** POST target: <base>/webhooks */
  url: string;
  receiver: Receiver;
  calls: Call[];
  /** What onError heard and what observe recorded. */
  errors: HookgateError[];
  records: DeliveryRecord[];
  fixture: Fixture;
  /** A signed delivery: headers (with content-type) and body. */
  delivery(body?: string): { headers: Record<string, string>; body: string };
}

interface StartOptions {
  variant?: Variant;
  handler?: (event: unknown, ctx: DeliveryContext) => unknown;
  bodyTimeoutMs?: number;
}

async function withApp(
  target: Target,
  fixture: Fixture,
  options: StartOptions,
  run: (harness: Harness) => Promise<void>,
): Promise<void> {
  const calls: Call[] = [];
  const errors: HookgateError[] = [];
  const records: DeliveryRecord[] = [];
  const receiver = createReceiver({
    scheme: fixture.scheme,
    maxBodyBytes: LIMIT,
    observe: (record) => records.push(record),
  });
  receiver.onAny(async (event, ctx) => {
    calls.push({ event, ctx });
    await options.handler?.(event, ctx);
  });
  receiver.onError((error) => errors.push(error));
  const adapterOptions = options.bodyTimeoutMs === undefined ? undefined : { bodyTimeoutMs: options.bodyTimeoutMs };
  const app = await target.start(receiver, options.variant ?? 'plain', adapterOptions);
  const delivery = (body = fixture.body()) => ({
    headers: { 'content-type': fixture.contentType, ...fixture.sign(body) },
    body,
  });
  try {
    await run({ app, url: `${app.url}/webhooks`, receiver, calls, errors, records, fixture, delivery });
  } finally {
    await app.close();
  }
}

/** The answer is a small JSON error with this code, echoing no secret, signature or payload. */
function expectError(answer: Answer, status: number, code: string, secrets: readonly string[] = []): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const parsed = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(parsed.error?.code).toBe(code);
  expect(typeof parsed.error?.message).toBe('string');
  for (const secret of [SECRET, ...secrets]) expect(answer.text).not.toContain(secret);
}

function expectProcessed(answer: Answer, harness: Harness, body: string, calls = 1): void {
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text)).toEqual({ status: 'processed' });
  expect(harness.calls).toHaveLength(calls);
  const last = harness.calls.at(-1)!;
  expect(last.ctx.rawBody.equals(Buffer.from(body, 'utf8'))).toBe(true);
  expect(last.ctx.type).toBe(harness.fixture.type);
}

async function expectStillServing(harness: Harness): Promise<void> {
  const before = harness.calls.length;
  const { headers, body } = harness.delivery();
  const answer = await post(harness.url, headers, body);
  expectProcessed(answer, harness, body, before + 1);
}

/** onError heard the failure and observe recorded it: an adapter's own rejection is reported like any other. */
async function expectReported(harness: Harness, code: string, status: number): Promise<void> {
  await vi.waitFor(() => {
    expect(harness.errors.map((error) => error.code)).toContain(code);
    expect(harness.records.map((record) => [record.code, record.status])).toContainEqual([code, status]);
  });
}

/** A scheme that accepts every request and answers with `answer`, as a custom scheme's respond() might. */
function answering(answer: unknown): Fixture {
  const scheme: Scheme = {
    name: 'custom',
    verify: () => ({}),
    respond: () => answer as ReturnType<NonNullable<Scheme['respond']>>,
    describe: () => ({ id: undefined, type: 'custom' }),
  };
  return { scheme, contentType: 'application/json', body: () => '{"a":1}', sign: () => ({}), type: 'custom' };
}

const unwritableAnswer = (what: string, answer: unknown): Scenario => ({
  name: `an answer Node cannot write (${what}) → 500 internal_error, onError hears it, keeps serving`,
  run: (target) =>
    withApp(target, answering(answer), {}, async (harness) => {
      for (let i = 0; i < 2; i++) {
        const { headers, body } = harness.delivery();
        expectError(await post(harness.url, headers, body), 500, 'internal_error');
      }
      expect(harness.errors.map((error) => error.code)).toEqual(['internal_error', 'internal_error']);
      expect(harness.errors[0]!.message).toMatch(/answer could not be written/);
    }),
});

export interface Scenario {
  name: string;
  run(target: Target): Promise<void>;
}

const validDelivery = (name: keyof typeof fixtures): Scenario => ({
  name: `valid ${name} delivery → 200, the handler gets the exact bytes`,
  run: (target) =>
    withApp(target, fixtures[name](), {}, async (harness) => {
      const { headers, body } = harness.delivery();
      expectProcessed(await post(harness.url, headers, body), harness, body);
    }),
});

const contentTypeVariant = (contentType: string | undefined): Scenario => ({
  name: `content-type ${contentType ?? '(none)'} → 200 with the exact bytes`,
  run: (target) =>
    withApp(target, fixtures.stripe(), {}, async (harness) => {
      const body = harness.fixture.body();
      const headers: Record<string, string> = { ...harness.fixture.sign(body) };
      if (contentType !== undefined) headers['Content-Type'] = contentType;
      // node:http sends no content-type unless told; fetch would add text/plain.
      expectProcessed(await postRaw(harness.url, headers, [Buffer.from(body)]), harness, body);
    }),
});

export const scenarios: Scenario[] = [
  validDelivery('standardWebhooks'),
  validDelivery('stripe'),
  validDelivery('github'),
  validDelivery('slackEvents'),
  validDelivery('slackForm'),
  validDelivery('shopify'),
  validDelivery('hmac'),
  {
    name: 'slack interactivity (form-wrapped JSON payload) → 200',
    run: (target) =>
      withApp(target, fixtures.slackForm(), {}, async (harness) => {
        const payload = JSON.stringify({ type: 'block_actions', trigger_id: randomUUID(), user: { name: 'Zoë' } });
        const body = `payload=${encodeURIComponent(payload)}`;
        const answer = await post(harness.url, harness.delivery(body).headers, body);
        expect(answer.status).toBe(200);
        expect(harness.calls).toHaveLength(1);
        expect(harness.calls[0]!.ctx.type).toBe('block_actions');
        expect(harness.calls[0]!.ctx.rawBody.toString('utf8')).toBe(body);
      }),
  },
  {
    name: 'tampered body → 401 invalid_signature, no handler call',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const { headers, body } = harness.delivery();
        const answer = await post(harness.url, headers, body.replace('1.50', '1.5'));
        expectError(answer, 401, 'invalid_signature', [headers['stripe-signature']!]);
        expect(harness.calls).toHaveLength(0);
      }),
  },
  {
    name: 'missing signature → 401 missing_header',
    run: (target) =>
      withApp(target, fixtures.github(), {}, async (harness) => {
        const answer = await post(harness.url, { 'content-type': 'application/json' }, harness.fixture.body());
        expectError(answer, 401, 'missing_header');
        expect(harness.calls).toHaveLength(0);
      }),
  },
  {
    name: 'non-JSON body with a valid signature → 400 invalid_json',
    run: (target) =>
      withApp(target, fixtures.standardWebhooks(), {}, async (harness) => {
        const { headers, body } = harness.delivery('<xml>not json</xml>');
        const answer = await post(harness.url, headers, body);
        expectError(answer, 400, 'invalid_json', [headers['webhook-signature']!, body]);
        expect(harness.calls).toHaveLength(0);
      }),
  },
  {
    name: 'empty body with a valid signature → 400 invalid_json',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const { headers } = harness.delivery('');
        expectError(await post(harness.url, headers, ''), 400, 'invalid_json');
        expect(harness.calls).toHaveLength(0);
        await expectStillServing(harness);
      }),
  },
  {
    name: 'over the limit (Content-Length) → 413 payload_too_large, then keeps serving',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const body = `{"id":"evt_big","type":"x","pad":"${'a'.repeat(LIMIT)}"}`;
        const { headers } = harness.delivery(body);
        const answer = await post(harness.url, headers, body);
        expectError(answer, 413, 'payload_too_large', [body]);
        expect(harness.calls).toHaveLength(0);
        await expectReported(harness, 'payload_too_large', 413);
        await expectStillServing(harness);
      }),
  },
  {
    name: 'over the limit while streaming (chunked) → 413 before the sender has finished',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const total = 64 * 1024 * 1024;
        const { headers } = harness.delivery('{}');
        const { answer, sentBeforeAnswer } = await streamUntilAnswered(harness.url, headers, total);
        expectError(answer, 413, 'payload_too_large');
        // Answered while streaming: far less than the body had been sent.
        expect(sentBeforeAnswer).toBeLessThan(total / 4);
        expect(harness.calls).toHaveLength(0);
        await expectReported(harness, 'payload_too_large', 413);
        await expectStillServing(harness);
      }),
  },
  {
    name: 'duplicate delivery → 200 duplicate, the handler runs once',
    run: (target) =>
      withApp(target, fixtures.github(), {}, async (harness) => {
        const { headers, body } = harness.delivery();
        expectProcessed(await post(harness.url, headers, body), harness, body);
        const again = await post(harness.url, headers, body);
        expect(again.status).toBe(200);
        expect(JSON.parse(again.text)).toEqual({ status: 'duplicate' });
        expect(harness.calls).toHaveLength(1);
      }),
  },
  {
    name: 'concurrent duplicate → 409 with Retry-After, then the first completes',
    run: async (target) => {
      const gate = deferred();
      const inHandler = deferred();
      const handler = async () => {
        inHandler.resolve();
        await gate.promise;
      };
      await withApp(target, fixtures.standardWebhooks(), { handler }, async (harness) => {
        const { headers, body } = harness.delivery();
        const first = post(harness.url, headers, body);
        await inHandler.promise;
        const second = await post(harness.url, headers, body);
        expectError(second, 409, 'delivery_in_flight');
        expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        gate.resolve();
        expectProcessed(await first, harness, body);
      });
    },
  },
  {
    name: 'handler throws → 500 handler_failed; the retry is processed',
    run: async (target) => {
      let failures = 1;
      const handler = () => {
        if (failures-- > 0) throw new Error(`database down for ${SECRET}`);
      };
      await withApp(target, fixtures.shopify(), { handler }, async (harness) => {
        const { headers, body } = harness.delivery();
        const answer = await post(harness.url, headers, body);
        expectError(answer, 500, 'handler_failed', [headers['x-shopify-hmac-sha256']!, 'database down']);
        expectProcessed(await post(harness.url, headers, body), harness, body, 2);
      });
    },
  },
  contentTypeVariant('application/json; charset=utf-8'),
  contentTypeVariant('Application/JSON'),
  contentTypeVariant('text/plain'),
  contentTypeVariant(undefined),
  // A header no parser understands: the signature decides, not the media type.
  contentTypeVariant('garbage'),
  contentTypeVariant(''),
  {
    name: 'header names in any case (on the wire) → 200',
    run: (target) =>
      withApp(target, fixtures.standardWebhooks(), {}, async (harness) => {
        const body = harness.fixture.body();
        const signed = harness.fixture.sign(body);
        const headers: Record<string, string> = { 'CONTENT-TYPE': 'application/json' };
        for (const [name, value] of Object.entries(signed)) {
          headers[name === 'webhook-id' ? name.toUpperCase() : name.replace(/(^|-)\w/g, (c) => c.toUpperCase())] =
            value;
        }
        expectProcessed(await postRaw(harness.url, headers, [Buffer.from(body)]), harness, body);
      }),
  },
  {
    name: 'Transfer-Encoding: chunked, split inside a UTF-8 character → 200 with the exact bytes',
    run: (target) =>
      withApp(target, fixtures.github(), {}, async (harness) => {
        const { headers, body } = harness.delivery();
        const bytes = Buffer.from(body);
        const split = bytes.indexOf(Buffer.from('ë')) + 1;
        const chunks = [bytes.subarray(0, split), bytes.subarray(split, split + 7), bytes.subarray(split + 7)];
        const answer = await postRaw(harness.url, { ...headers, 'Transfer-Encoding': 'chunked' }, chunks);
        expectProcessed(answer, harness, body);
      }),
  },
  {
    name: 'client aborts halfway (fetch with a streamed body) → no handler call, keeps serving',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const { headers, body } = harness.delivery();
        const bytes = Buffer.from(body);
        const controller = new AbortController();
        const stream = new ReadableStream<Uint8Array>({
          start(streamController) {
            streamController.enqueue(bytes.subarray(0, bytes.length >> 1));
          },
        });
        const init = { method: 'POST', headers, body: stream, duplex: 'half', signal: controller.signal };
        const sending = fetch(harness.url, init as RequestInit);
        // Abort once the server is reading the body.
        await vi.waitFor(() => expect(harness.app.requests.at(-1)?.readableDidRead).toBe(true));
        controller.abort();
        await expect(sending).rejects.toThrow();
        await expectClosedWithoutListeners(harness);
        expect(harness.calls).toHaveLength(0);
        await expectStillServing(harness);
      }),
  },
  ...(['end', 'destroy'] as const).map(
    (how): Scenario => ({
      name: `truncated body (Content-Length not reached, client ${how === 'end' ? 'half-closes' : 'resets'}) → no handler call, keeps serving`,
      run: (target) =>
        withApp(target, fixtures.stripe(), {}, async (harness) => {
          const { headers, body } = harness.delivery();
          const bytes = Buffer.from(body);
          await sendTruncated(harness.url, headers, bytes.subarray(0, 20), bytes.length, how);
          await expectClosedWithoutListeners(harness);
          expect(harness.calls).toHaveLength(0);
          await expectReported(harness, 'invalid_body', 400);
          await expectStillServing(harness);
        }),
    }),
  ),
  {
    name: 'a body parser ran first and kept the raw bytes → 200 with the exact bytes',
    run: (target) =>
      withApp(target, fixtures.stripe(), { variant: 'parser-kept-raw' }, async (harness) => {
        const { headers, body } = harness.delivery();
        expectProcessed(await post(harness.url, headers, body), harness, body);
      }),
  },
  {
    name: 'a body parser ran first and kept only the parsed object → 500 body_already_parsed with a mounting hint (never 401)',
    run: (target) =>
      withApp(target, fixtures.stripe(), { variant: 'parser-lost-raw' }, async (harness) => {
        const { headers, body } = harness.delivery();
        const answer = await post(harness.url, headers, body);
        if (!target.parserCanLoseRaw) {
          // The webhook route's parser is local: an app-wide parser cannot reach it.
          expectProcessed(answer, harness, body);
          return;
        }
        expectError(answer, 500, 'body_already_parsed', [headers['stripe-signature']!, body]);
        expect((JSON.parse(answer.text) as { error: { message: string } }).error.message).toContain(target.mountHint);
        expect(harness.calls).toHaveLength(0);
        await expectReported(harness, 'body_already_parsed', 500);
      }),
  },
  {
    name: 'a JSON body parser ran first but skipped a Slack form delivery → 200 with the exact bytes',
    run: (target) =>
      withApp(target, fixtures.slackForm(), { variant: 'parser-lost-raw' }, async (harness) => {
        const { headers, body } = harness.delivery();
        expectProcessed(await post(harness.url, headers, body), harness, body);
      }),
  },
  {
    name: 'another JSON route in the same app keeps its normal JSON parsing',
    run: (target) =>
      withApp(target, fixtures.stripe(), {}, async (harness) => {
        const answer = await post(`${harness.app.url}/json`, { 'content-type': 'application/json' }, '{"a":[1,"ë"]}');
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.text)).toEqual({ received: { a: [1, 'ë'] } });
        if (target.otherRoutesRejectUnknownTypes) {
          // The webhook route's catch-all parser did not leak to the rest of the app.
          const other = await post(`${harness.app.url}/json`, { 'content-type': 'application/x-custom' }, 'x');
          expect(other.status).toBe(415);
        }
        const { headers, body } = harness.delivery();
        expectProcessed(await post(harness.url, headers, body), harness, body);
      }),
  },
  unwritableAnswer('a header value with a line break', {
    status: 200,
    headers: { 'x-challenge': 'a\r\nx-injected: yes' },
    body: 'ok',
  }),
  unwritableAnswer('a body that is not a string', { status: 200, headers: {}, body: { challenge: 'x' } }),
  unwritableAnswer('a status out of range', { status: 42, headers: {}, body: 'ok' }),
  {
    name: 'the client leaves while the handler runs → no crash, the handler ran once, keeps serving',
    run: async (target) => {
      const gate = deferred();
      const inHandler = deferred();
      const handler = async () => {
        inHandler.resolve();
        await gate.promise;
      };
      await withApp(target, fixtures.standardWebhooks(), { handler }, async (harness) => {
        const { headers, body } = harness.delivery();
        const controller = new AbortController();
        const sending = fetch(harness.url, { method: 'POST', headers, body, signal: controller.signal });
        await inHandler.promise;
        controller.abort();
        await expect(sending).rejects.toThrow();
        await vi.waitFor(() => expect(harness.app.requests.at(-1)?.socket?.destroyed).toBe(true));
        gate.resolve();
        await vi.waitFor(() => expect(harness.records).toHaveLength(1));
        expect(harness.calls).toHaveLength(1);
        await expectStillServing(harness);
      });
    },
  },
  {
    name: 'a body dribbled slower than bodyTimeoutMs → 408 body_timeout, reported, keeps serving',
    run: (target) =>
      withApp(target, fixtures.stripe(), { bodyTimeoutMs: 300 }, async (harness) => {
        const { headers } = harness.delivery('{}');
        const started = Date.now();
        const answer = await sendDribbled(harness.url, headers, 1000, 50);
        // Answered at the bound, long before the body (1000 bytes at 20 bytes/s) could be complete.
        expect(answer.bytesSent).toBeLessThan(100);
        expect(Date.now() - started).toBeLessThan(5000);
        expect(answer.status).toBe(408);
        expect((JSON.parse(answer.text) as { error: { code: string } }).error.code).toBe('body_timeout');
        await expectReported(harness, 'body_timeout', 408);
        expect(harness.calls).toHaveLength(0);
        await expectStillServing(harness);
      }),
  },
];

/** The server saw the request close, and nothing still listens for its body. */
async function expectClosedWithoutListeners(harness: Harness): Promise<void> {
  await vi.waitFor(() => {
    const request = harness.app.requests.at(-1);
    expect(request?.destroyed).toBe(true);
  });
  // Let the adapter's own promise settle after the close.
  await new Promise((resolve) => setImmediate(resolve));
  const request = harness.app.requests.at(-1)!;
  for (const event of ['data', 'end', 'readable'] as const)
    expect([event, request.listenerCount(event)]).toEqual([event, 0]);
}

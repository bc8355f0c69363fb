/**
 * Property tests over every HMAC scheme:
 * - one changed byte in the body, the signed id, the signed timestamp or the
 *   signature is answered 401 and never reaches a handler;
 * - any valid payload (unicode, 0–64 KiB, in every accepted body form) is
 *   answered 200 and reaches the handler byte-exact.
 */
import {
  createReceiver,
  type DeliveryContext,
  github,
  hmac,
  type ReceiverRequest,
  type Scheme,
  shopify,
  slack,
  standardWebhooks,
  stripe,
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
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** What a sender puts on the wire for one delivery. */
interface Delivery {
  headers: Record<string, string>;
  body: Buffer;
}

/** Where a signed value sits: a header, or a slice of one (Stripe's `t=` inside Stripe-Signature). */
interface HeaderSlice {
  header: string;
  range?: (value: string) => readonly [start: number, end: number];
}

interface SchemeCase {
  name: string;
  scheme: () => Scheme;
  /** A payload carrying `data`; `id` goes in the body for senders that put the delivery id there. */
  payload: (data: string, id: string) => unknown;
  sign: (body: Buffer, id: string, timestamp: number) => Record<string, string>;
  /** The signed id, when the scheme signs one in a header (elsewhere it is in the body). */
  id?: HeaderSlice;
  /** The signed timestamp, when the scheme signs one. */
  timestamp?: HeaderSlice;
  signature: HeaderSlice;
}

const WHSEC = `whsec_${Buffer.from('hookgate property secret, 32 b!!').toString('base64')}`;
const SECRET = 'hookgate-property-secret';

const stripeTimestampRange = (value: string): readonly [number, number] => {
  const match = /(?:^|,)t=([^,]*)/.exec(value);
  if (!match || match[1] === undefined) throw new Error(`no t= in ${value}`);
  const start = match.index + match[0].length - match[1].length;
  return [start, start + match[1].length];
};

const HMAC_OPTIONS = {
  header: 'x-signature',
  prefix: 'sha256=',
  signedContent: '{id}.{timestamp}.{body}',
  idHeader: 'x-webhook-id',
  timestampHeader: 'x-webhook-timestamp',
} as const;

const CASES: SchemeCase[] = [
  {
    name: 'standardWebhooks',
    scheme: () => standardWebhooks({ secret: WHSEC }),
    payload: (data) => ({ type: 'thing.happened', data }),
    sign: (body, id, timestamp) => signStandardWebhooks({ secret: WHSEC, body, id, timestamp }),
    id: { header: 'webhook-id' },
    timestamp: { header: 'webhook-timestamp' },
    signature: { header: 'webhook-signature' },
  },
  {
    name: 'standardWebhooks (svix-* headers)',
    scheme: () => standardWebhooks({ secret: WHSEC }),
    payload: (data) => ({ type: 'thing.happened', data }),
    sign: (body, id, timestamp) => signStandardWebhooks({ secret: WHSEC, body, id, timestamp, svix: true }),
    id: { header: 'svix-id' },
    timestamp: { header: 'svix-timestamp' },
    signature: { header: 'svix-signature' },
  },
  {
    name: 'stripe',
    scheme: () => stripe({ secret: SECRET }),
    payload: (data, id) => ({ id: `evt_${id}`, object: 'event', type: 'invoice.paid', data: { object: { data } } }),
    sign: (body, _id, timestamp) => signStripe({ secret: SECRET, body, timestamp }),
    timestamp: { header: 'stripe-signature', range: stripeTimestampRange },
    signature: { header: 'stripe-signature' },
  },
  {
    // GitHub signs the body only: x-github-delivery is not covered by the signature.
    name: 'github',
    scheme: () => github({ secret: SECRET }),
    payload: (data) => ({ action: 'opened', issue: { title: data } }),
    sign: (body, id) => signGitHub({ secret: SECRET, body, event: 'issues', delivery: id }),
    signature: { header: 'x-hub-signature-256' },
  },
  {
    name: 'slack',
    scheme: () => slack({ secret: SECRET }),
    payload: (data, id) => ({ type: 'event_callback', event_id: `Ev${id}`, event: { type: 'message', text: data } }),
    sign: (body, _id, timestamp) => signSlack({ secret: SECRET, body, timestamp }),
    timestamp: { header: 'x-slack-request-timestamp' },
    signature: { header: 'x-slack-signature' },
  },
  {
    // Shopify signs the body only: its id and topic headers are not covered by the signature.
    name: 'shopify',
    scheme: () => shopify({ secret: SECRET }),
    payload: (data) => ({ id: 820982911946154500, note: data }),
    sign: (body, id) => signShopify({ secret: SECRET, body, topic: 'orders/create', webhookId: id }),
    signature: { header: 'x-shopify-hmac-sha256' },
  },
  {
    name: 'hmac {id}.{timestamp}.{body}',
    scheme: () => hmac({ secret: SECRET, ...HMAC_OPTIONS }),
    payload: (data) => ({ type: 'thing.happened', data }),
    sign: (body, id, timestamp) => signHmac({ secret: SECRET, body, id, timestamp, ...HMAC_OPTIONS }),
    id: { header: 'x-webhook-id' },
    timestamp: { header: 'x-webhook-timestamp' },
    signature: { header: 'x-signature' },
  },
];

const CODES_401 = ['missing_header', 'malformed_header', 'invalid_signature', 'timestamp_outside_window'];

/** A receiver whose clock sits at the delivery's timestamp, recording which handlers ran. */
function receiverAt(schemeCase: SchemeCase, timestamp: number) {
  const calls: string[] = [];
  const receiver = createReceiver({ scheme: schemeCase.scheme(), dedupe: false, now: () => timestamp * 1000 })
    .onAny(() => {
      calls.push('onAny');
    })
    // A typed handler as well (GitHub's type): neither kind may run for a rejected delivery.
    .on('issues.opened', () => {
      calls.push('issues.opened');
    });
  return { receiver, calls };
}

const post = (headers: Record<string, string>, body: ReceiverRequest['body']): ReceiverRequest => ({
  method: 'POST',
  url: '/webhooks',
  headers,
  body,
});

function deliveryFor(schemeCase: SchemeCase, data: string, id: string, timestamp: number): Delivery {
  const body = Buffer.from(JSON.stringify(schemeCase.payload(data, id)), 'utf8');
  return { body, headers: schemeCase.sign(body, id, timestamp) };
}

/** Replaces one character (an ASCII header byte) with another byte value. */
function mutateHeader(delivery: Delivery, slice: HeaderSlice, position: number, xor: number): Delivery {
  const value = delivery.headers[slice.header];
  if (value === undefined) throw new Error(`the signer set no ${slice.header}`);
  const [start, end] = slice.range ? slice.range(value) : [0, value.length];
  const index = start + (position % (end - start));
  const changed = String.fromCharCode(value.charCodeAt(index) ^ xor);
  return {
    body: delivery.body,
    headers: { ...delivery.headers, [slice.header]: value.slice(0, index) + changed + value.slice(index + 1) },
  };
}

function mutateBody(delivery: Delivery, position: number, xor: number): Delivery {
  const body = Buffer.from(delivery.body);
  const index = position % body.length;
  body[index] = (body[index] ?? 0) ^ xor;
  return { headers: delivery.headers, body };
}

const idArb = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'),
  minLength: 1,
  maxLength: 32,
});
const timestampArb = fc.integer({ min: 1_000_000_000, max: 2_000_000_000 });
const unicodeArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
/** One byte position (reduced modulo the target's length) and a non-zero XOR: the byte always changes. */
const byteChangeArb = fc.record({ position: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });

describe.each(CASES)('$name: one changed byte is rejected', (schemeCase) => {
  const targets = (['body', 'id', 'timestamp', 'signature'] as const).filter(
    (target) => target === 'body' || schemeCase[target] !== undefined,
  );

  it(`rejects a change to any one byte of ${targets.join(', ')} with 401, never calling a handler`, async () => {
    await fc.assert(
      fc.asyncProperty(
        unicodeArb,
        idArb,
        timestampArb,
        fc.constantFrom(...targets),
        byteChangeArb,
        async (data, id, timestamp, target, { position, xor }) => {
          const original = deliveryFor(schemeCase, data, id, timestamp);
          const slice = target === 'body' ? undefined : schemeCase[target];
          const tampered =
            slice === undefined ? mutateBody(original, position, xor) : mutateHeader(original, slice, position, xor);
          const { receiver, calls } = receiverAt(schemeCase, timestamp);

          const rejected = await receiver.handle(post(tampered.headers, tampered.body));
          expect(rejected.status).toBe(401);
          expect(CODES_401).toContain(JSON.parse(rejected.body).error.code);
          expect(calls).toHaveLength(0);

          // The untouched delivery passes: the one changed byte is what was rejected.
          const accepted = await receiver.handle(post(original.headers, original.body));
          expect(accepted.status).toBe(200);
          expect(calls.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * Deterministic instances of one-byte signature changes that a decoder may
 * silently normalise (hex case, base64 alphabets, padding and unused bits).
 * The random property above finds these only now and then; these always run.
 */
describe('one changed signature byte that decodes to the same digest is still rejected', () => {
  const timestamp = 1_700_000_000;

  async function expectRejected(schemeCase: SchemeCase, mutate: (delivery: Delivery) => Delivery | undefined) {
    // Try a few deliveries until the signature has the character the mutation needs.
    for (let attempt = 0; attempt < 200; attempt++) {
      const original = deliveryFor(schemeCase, `payload ${attempt}`, `id${attempt}`, timestamp);
      const tampered = mutate(original);
      if (tampered === undefined) continue;
      const { receiver, calls } = receiverAt(schemeCase, timestamp);
      const before = original.headers[schemeCase.signature.header];
      const after = tampered.headers[schemeCase.signature.header];
      expect(after).not.toBe(before);
      expect(after?.length).toBe(before?.length);
      const response = await receiver.handle(post(tampered.headers, tampered.body));
      expect({ signature: after, status: response.status, calls: calls.length }).toEqual({
        signature: after,
        status: 401,
        calls: 0,
      });
      expect((await receiver.handle(post(original.headers, original.body))).status).toBe(200);
      return;
    }
    throw new Error('no signature had the character this mutation needs');
  }

  const replaceIn = (delivery: Delivery, header: string, pattern: RegExp, replace: (char: string) => string) => {
    const value = delivery.headers[header] ?? '';
    const match = pattern.exec(value);
    if (!match) return undefined;
    const index = match.index + match[0].length - 1;
    const char = value[index] ?? '';
    return {
      body: delivery.body,
      headers: { ...delivery.headers, [header]: value.slice(0, index) + replace(char) + value.slice(index + 1) },
    };
  };

  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  /** The base64 digit whose 6-bit value differs in the lowest bit only. */
  const flipLowBit = (char: string) => BASE64[BASE64.indexOf(char) ^ 1] ?? char;

  const hexCases = CASES.filter((c) => ['stripe', 'github', 'slack', 'hmac {id}.{timestamp}.{body}'].includes(c.name));
  it.each(hexCases)('$name: one hex digit of the signature upper-cased', async (schemeCase) => {
    // Stripe's and octokit's own verifiers compare the hex text, so `A` for `a` fails there.
    const hexDigitLetter = schemeCase.name === 'stripe' ? /v1=[0-9]*[a-f]/ : /=[0-9]*[a-f]/;
    await expectRejected(schemeCase, (delivery) =>
      replaceIn(delivery, schemeCase.signature.header, hexDigitLetter, (char) => char.toUpperCase()),
    );
  });

  it.each(hexCases)(
    '$name: one hex digit swapped for a non-ASCII character with the same low byte',
    async (schemeCase) => {
      // Signature texts are compared as bytes: a lossy encoding (latin1 keeps the low byte) would let `š` pass for `a`.
      const hexDigitLetter = schemeCase.name === 'stripe' ? /v1=[0-9]*[a-f]/ : /=[0-9]*[a-f]/;
      await expectRejected(schemeCase, (delivery) =>
        replaceIn(delivery, schemeCase.signature.header, hexDigitLetter, (char) =>
          String.fromCharCode(0x100 + char.charCodeAt(0)),
        ),
      );
    },
  );

  const base64Cases = CASES.filter((c) => ['standardWebhooks', 'shopify'].includes(c.name));
  it.each(base64Cases)(
    '$name: `+` or `/` in the base64 signature swapped for its base64url twin',
    async (schemeCase) => {
      await expectRejected(schemeCase, (delivery) =>
        replaceIn(delivery, schemeCase.signature.header, /[+/]/, (char) => (char === '+' ? '-' : '_')),
      );
    },
  );

  it.each(base64Cases)('$name: the base64 padding `=` replaced by another byte', async (schemeCase) => {
    await expectRejected(schemeCase, (delivery) => replaceIn(delivery, schemeCase.signature.header, /=$/, () => '!'));
  });

  it.each(base64Cases)('$name: the unused low bits of the last base64 digit changed', async (schemeCase) => {
    // 32 bytes are 43 digits and `=`: the 43rd digit carries 2 unused bits.
    await expectRejected(schemeCase, (delivery) =>
      replaceIn(delivery, schemeCase.signature.header, /[A-Za-z0-9+/](?==$)/, (char) => flipLowBit(char)),
    );
  });

  it('standardWebhooks v1a (Ed25519): the unused low bits of the last base64 digit changed', async () => {
    const { secretKey, publicKey } = generateStandardWebhooksKeyPair();
    const ed25519Case: SchemeCase = {
      name: 'standardWebhooks v1a',
      scheme: () => standardWebhooks({ secret: publicKey }),
      payload: (data) => ({ type: 'thing.happened', data }),
      sign: (body, id, ts) => signStandardWebhooks({ secret: secretKey, body, id, timestamp: ts }),
      signature: { header: 'webhook-signature' },
    };
    // 64 bytes are 86 digits and `==`: the 86th digit carries 4 unused bits.
    await expectRejected(ed25519Case, (delivery) =>
      replaceIn(delivery, 'webhook-signature', /[A-Za-z0-9+/](?===$)/, flipLowBit),
    );
  });
});

/** Unicode text of 0–64 KiB in UTF-8: a random chunk repeated up to a random byte size. */
const largeUnicodeArb = fc
  .record({ chunk: unicodeArb, targetBytes: fc.integer({ min: 0, max: 64 * 1024 }) })
  .map(({ chunk, targetBytes }) => {
    const chunkBytes = Buffer.byteLength(chunk, 'utf8');
    return chunkBytes === 0 ? '' : chunk.repeat(Math.floor(targetBytes / chunkBytes));
  });

type BodyForm = 'buffer' | 'uint8array-view' | 'arraybuffer' | 'string';

/** The same bytes as each accepted body type; the Uint8Array is a view into a larger buffer. */
function asBodyForm(text: string, bytes: Buffer, form: BodyForm, offset: number): ReceiverRequest['body'] {
  switch (form) {
    case 'buffer':
      return Buffer.from(bytes);
    case 'uint8array-view': {
      const backing = new Uint8Array(offset + bytes.length + 7).fill(0x7b);
      backing.set(bytes, offset);
      return backing.subarray(offset, offset + bytes.length);
    }
    case 'arraybuffer':
      return new Uint8Array(bytes).buffer;
    case 'string':
      return text;
  }
}

let freshId = 0;

describe.each(CASES)('$name: random valid payloads', (schemeCase) => {
  it('are accepted with 200 and reach the handler byte-exact, in every body form', async () => {
    await fc.assert(
      fc.asyncProperty(
        largeUnicodeArb,
        timestampArb,
        fc.constantFrom<BodyForm>('buffer', 'uint8array-view', 'arraybuffer', 'string'),
        fc.nat(64),
        // Pretty-printed JSON too: the bytes a handler sees are the sender's, not a re-serialisation.
        fc.constantFrom<undefined | number | string>(undefined, 2, '\t'),
        async (data, timestamp, form, offset, indent) => {
          const id = `p${++freshId}`;
          const text = JSON.stringify(schemeCase.payload(data, id), null, indent);
          const bytes = Buffer.from(text, 'utf8');
          const headers = schemeCase.sign(bytes, id, timestamp);
          // Dedupe stays on here, with fresh ids: the default path is the one under test.
          const calls: { event: unknown; ctx: DeliveryContext }[] = [];
          const receiver = createReceiver({ scheme: schemeCase.scheme(), now: () => timestamp * 1000 }).onAny(
            (event, ctx) => {
              calls.push({ event, ctx });
            },
          );

          const response = await receiver.handle(post(headers, asBodyForm(text, bytes, form, offset)));

          expect(response.status).toBe(200);
          expect(JSON.parse(response.body)).toEqual({ status: 'processed' });
          expect(calls).toHaveLength(1);
          const [call] = calls;
          expect(call?.ctx.rawBody.equals(bytes)).toBe(true);
          expect(call?.event).toStrictEqual(JSON.parse(text));
        },
      ),
      { numRuns: 30 },
    );
  });
});

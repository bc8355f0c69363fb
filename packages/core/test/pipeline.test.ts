import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createReceiver,
  type DeliveryRecord,
  ERROR_STATUS,
  type HookgateError,
  hmac,
  SchemaMismatchError,
  type Scheme,
  type StandardSchemaV1,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { errorCode, post } from './helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });
const paid = { type: 'invoice.paid', data: { id: 'in_1', amount: 4200 } };

function delivery(payload: unknown = paid, extra: { id?: string; timestamp?: number } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return post(signStandardWebhooks({ secret, body, ...extra }), body);
}

describe('the request', () => {
  test.each(['GET', 'PUT', 'HEAD'])('%s answers 405 with Allow: POST', async (method) => {
    const res = await createReceiver({ scheme }).handle({ ...delivery(), method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  test('a body over maxBodyBytes answers 413 before anything else runs', async () => {
    const receiver = createReceiver({ scheme, maxBodyBytes: 64 });
    const res = await receiver.handle(delivery({ type: 'x', pad: 'y'.repeat(100) }));
    expect(res.status).toBe(413);
    expect(errorCode(res.body)).toBe('payload_too_large');
  });

  test('Buffer, Uint8Array, ArrayBuffer and string bodies verify over the same bytes', async () => {
    const text = JSON.stringify({ type: 'x', note: 'héllo ✓ 😀' });
    const headers = signStandardWebhooks({ secret, body: text });
    const bytes = Buffer.from(text, 'utf8');
    const inArray = new Uint8Array(bytes.length + 8);
    inArray.set(bytes, 4);
    const views = [
      bytes,
      inArray.subarray(4, 4 + bytes.length),
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      text,
    ];
    for (const body of views) {
      const raw: Buffer[] = [];
      const receiver = createReceiver({ scheme, dedupe: false }).onAny((_e, ctx) => {
        raw.push(ctx.rawBody);
      });
      expect((await receiver.handle({ method: 'POST', headers, body })).status).toBe(200);
      expect(raw[0]?.equals(bytes)).toBe(true);
    }
  });

  test('headers as a Headers object, as pairs and in mixed case', async () => {
    const { headers, body } = delivery();
    const shouted = Object.fromEntries(
      Object.entries(headers as Record<string, string>).map(([k, v]) => [k.toUpperCase(), v]),
    );
    const forms = [new Headers(shouted), Object.entries(shouted), shouted];
    for (const form of forms) {
      const res = await createReceiver({ scheme, dedupe: false }).handle({ method: 'post', headers: form, body });
      expect(res.status).toBe(200);
    }
  });

  test('headers named like Object properties are only headers: ctx.headers inherits nothing', async () => {
    const { headers, body } = delivery();
    // JSON.parse makes `__proto__` an own key, as a header parser would.
    const odd = JSON.parse(`{"__proto__":"p","constructor":"c",${JSON.stringify(headers).slice(1)}`) as Record<
      string,
      string
    >;
    const seen: Record<string, string>[] = [];
    const receiver = createReceiver({ scheme, dedupe: false }).onAny((_event, ctx) => {
      seen.push(ctx.headers);
    });
    expect((await receiver.handle({ method: 'POST', headers: odd, body })).status).toBe(200);
    const got = seen[0]!;
    const proto = '__proto__';
    expect([got[proto], got.constructor]).toEqual(['p', 'c']);
    expect(Object.keys(got)).toEqual(expect.arrayContaining([proto, 'constructor', 'webhook-id']));
    expect([got.toString, got.hasOwnProperty, got.valueOf]).toEqual([undefined, undefined, undefined]);
  });

  test('no handler can plant a value that later deliveries would inherit through ctx.headers', async () => {
    const seen: (string | undefined)[] = [];
    const receiver = createReceiver({ scheme, dedupe: false }).onAny((_event, ctx) => {
      seen.push(ctx.headers['x-planted']);
      (Object.getPrototypeOf(ctx.headers) as Record<string, string>)['x-planted'] = 'yes';
    });
    expect((await receiver.handle(delivery())).status).toBe(500);
    expect((await receiver.handle(delivery())).status).toBe(500);
    expect(seen).toEqual([undefined, undefined]);
  });

  test('repeated header values given as arrays are joined as HTTP joins them', async () => {
    const { headers, body } = delivery();
    const h = headers as Record<string, string>;
    const withArray = { ...h, 'webhook-signature': ['v1,AAAA', h['webhook-signature']!] };
    // "v1,AAAA, v1,<sig>" is split on spaces: the real entry still matches.
    const res = await createReceiver({ scheme }).handle({ method: 'POST', headers: withArray, body });
    expect(res.status).toBe(200);
  });

  test.each([
    ['the lower-case name first', ['x-trace', 'X-Trace'], 'a, b'],
    ['the mixed-case name first', ['X-Trace', 'x-trace'], 'a, b'],
  ])('names that differ only in case are one header, joined (%s)', async (_order, [first, second], joined) => {
    const { headers, body } = delivery();
    const seen: (string | undefined)[] = [];
    const receiver = createReceiver({ scheme }).onAny((_event, ctx) => {
      seen.push(ctx.headers['x-trace']);
    });
    const res = await receiver.handle({
      method: 'POST',
      headers: { [first as string]: 'a', ...(headers as Record<string, string>), [second as string]: 'b' },
      body,
    });
    expect(res.status).toBe(200);
    expect(seen).toEqual([joined]);
  });
});

describe('timestamp window', () => {
  const t = 1_700_000_000;
  const at = (seconds: number) => () => seconds * 1000;

  test.each([
    [t - 300, 200],
    [t - 301, 401],
    [t + 300, 200],
    [t + 301, 401],
  ])('signed at %i with now %i: %i', async (signedAt, status) => {
    const receiver = createReceiver({ scheme, now: at(t), dedupe: false });
    const res = await receiver.handle(delivery(paid, { timestamp: signedAt }));
    expect(res.status).toBe(status);
    if (status === 401) expect(errorCode(res.body)).toBe('timestamp_outside_window');
  });

  test('past and future tolerances are separate', async () => {
    const receiver = createReceiver({ scheme, now: at(t), tolerance: { past: 600, future: 5 }, dedupe: false });
    expect((await receiver.handle(delivery(paid, { timestamp: t - 599 }))).status).toBe(200);
    expect((await receiver.handle(delivery(paid, { timestamp: t + 6 }))).status).toBe(401);
  });

  test('a replayed old delivery is rejected even with a valid signature', async () => {
    const receiver = createReceiver({ scheme });
    const res = await receiver.handle(delivery(paid, { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(res.status).toBe(401);
  });

  test('a scheme that yields a NaN timestamp is rejected, not waved through', async () => {
    const nan: Scheme = { ...scheme, verify: (request) => ({ ...scheme.verify(request), timestamp: Number.NaN }) };
    const res = await createReceiver({ scheme: nan }).handle(delivery());
    expect(res.status).toBe(401);
    expect(errorCode(res.body)).toBe('malformed_header');
  });

  test('a negative tolerance is a configuration error', () => {
    expect(() => createReceiver({ scheme, tolerance: -1 })).toThrow(/tolerance/);
  });
});

describe('parsing and schemas', () => {
  const events = {
    'invoice.paid': z.object({
      type: z.literal('invoice.paid'),
      data: z.object({ id: z.string(), amount: z.number().transform((cents) => cents / 100) }),
    }),
  };

  test('a verified body that is not JSON answers 400 invalid_json', async () => {
    for (const text of ['not json', '{"type":', '']) {
      const res = await createReceiver({ scheme }).handle(delivery(text));
      expect(res.status).toBe(400);
      expect(errorCode(res.body)).toBe('invalid_json');
    }
  });

  test('an unsigned non-JSON body answers 401, not 400: nothing is parsed first', async () => {
    const res = await createReceiver({ scheme }).handle(post({}, 'not json'));
    expect(res.status).toBe(401);
  });

  test('the typed handler gets the validated output of its schema', async () => {
    const amounts: number[] = [];
    const receiver = createReceiver({ scheme, events });
    receiver.on('invoice.paid', (event) => {
      amounts.push(event.data.amount);
    });
    expect((await receiver.handle(delivery())).status).toBe(200);
    expect(amounts).toEqual([42]);
  });

  test('a schema mismatch answers 400 schema_mismatch; paths and issues go to onError', async () => {
    const errors: HookgateError[] = [];
    const receiver = createReceiver({ scheme, events }).onError((error) => {
      errors.push(error);
    });
    let called = false;
    receiver.on('invoice.paid', () => {
      called = true;
    });
    const res = await receiver.handle(delivery({ type: 'invoice.paid', data: { id: 'SECRET-VALUE-7', amount: 'x' } }));
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('schema_mismatch');
    // Paths can name payload keys: they go to onError, not into the answer.
    expect(res.body).not.toContain('data.amount');
    expect(res.body).not.toContain('SECRET-VALUE-7');
    expect(called).toBe(false);
    expect(errors[0]).toBeInstanceOf(SchemaMismatchError);
    expect((errors[0] as SchemaMismatchError).paths).toEqual(['data.amount']);
    expect((errors[0] as SchemaMismatchError).type).toBe('invoice.paid');
  });

  test('an async Standard Schema is awaited', async () => {
    const asyncSchema: StandardSchemaV1<unknown, { type: string; checked: true }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => ({ value: { ...(value as { type: string }), checked: true as const } }),
      },
    };
    const seen: unknown[] = [];
    const receiver = createReceiver({ scheme, events: { 'invoice.paid': asyncSchema } });
    receiver.on('invoice.paid', (event) => {
      seen.push(event.checked);
    });
    expect((await receiver.handle(delivery())).status).toBe(200);
    expect(seen).toEqual([true]);
  });

  test('an unknown type is acknowledged and goes to onAny; onAny runs after typed handlers', async () => {
    const order: string[] = [];
    const receiver = createReceiver({ scheme, events });
    receiver.on('invoice.paid', () => {
      order.push('typed');
    });
    receiver.onAny((_event, ctx) => {
      order.push(`any:${ctx.type}`);
    });
    expect((await receiver.handle(delivery({ type: 'customer.created', data: {} }))).status).toBe(200);
    expect((await receiver.handle(delivery())).status).toBe(200);
    expect((await receiver.handle(delivery({ data: {} }))).status).toBe(200);
    expect(order).toEqual(['any:customer.created', 'typed', 'any:invoice.paid', 'any:undefined']);
  });
});

describe('handlers, errors and records', () => {
  test('a handler that throws answers 500 handler_failed; onError hears it with the context', async () => {
    const heard: [string, string | undefined][] = [];
    const receiver = createReceiver({ scheme });
    receiver.on('invoice.paid', () => {
      throw new Error(`database down; secret=${secret}`);
    });
    receiver.onError((error, ctx) => {
      heard.push([error.code, ctx?.type]);
    });
    const res = await receiver.handle(delivery());
    expect(res.status).toBe(500);
    expect(errorCode(res.body)).toBe('handler_failed');
    expect(res.body).not.toContain(secret);
    expect(res.body).not.toContain('database down');
    expect(heard).toEqual([['handler_failed', 'invoice.paid']]);
  });

  test('error bodies never echo the secret, the signature or the payload', async () => {
    const req = delivery({ type: 'x', card: '4242424242424242' });
    const signature = (req.headers as Record<string, string>)['webhook-signature']!;
    const tampered = { ...req, body: `${req.body as string} ` };
    const res = await createReceiver({ scheme }).handle(tampered);
    expect(res.status).toBe(401);
    for (const secretish of [secret, signature, signature.slice(3), '4242424242424242']) {
      expect(res.body).not.toContain(secretish);
    }
  });

  test('observe gets one record per delivery with outcome, code and timings', async () => {
    const records: DeliveryRecord[] = [];
    const receiver = createReceiver({ scheme, observe: (r) => records.push(r) });
    let fail = true;
    receiver.on('invoice.paid', () => {
      if (fail) {
        fail = false;
        throw new Error('first attempt fails');
      }
    });
    const first = delivery(paid, { id: 'msg_obs' });
    await receiver.handle(first);
    await receiver.handle(first);
    await receiver.handle(first);
    await receiver.handle({ ...first, body: 'tampered' });
    expect(records.map((r) => [r.outcome, r.status, r.code, r.verified])).toEqual([
      ['failed', 500, 'handler_failed', true],
      ['processed', 200, undefined, true],
      ['duplicate', 200, undefined, true],
      ['rejected', 401, 'invalid_signature', false],
    ]);
    expect(records[1]).toMatchObject({ scheme: 'standard-webhooks', id: 'msg_obs', type: 'invoice.paid' });
    expect(records[1]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(records[1]!.handlerMs).toBeGreaterThanOrEqual(0);
    expect(records[3]!.handlerMs).toBeUndefined();
    // A record carries exactly these facts: no payload, secret or signature.
    expect(Object.keys(records[1]!).sort()).toEqual([
      'code',
      'durationMs',
      'handlerMs',
      'id',
      'outcome',
      'scheme',
      'secretLabel',
      'status',
      'type',
      'verified',
    ]);
  });

  test('a throwing observer or error hook never breaks a delivery', async () => {
    const receiver = createReceiver({
      scheme,
      observe: () => {
        throw new Error('observer bug');
      },
    });
    receiver.onError(() => {
      throw new Error('hook bug');
    });
    expect((await receiver.handle(delivery())).status).toBe(200);
    expect((await receiver.handle({ ...delivery(), body: 'x' })).status).toBe(401);
  });

  test('a body of the wrong kind is an internal error answered 500, not a crash', async () => {
    const res = await createReceiver({ scheme }).handle({ method: 'POST', headers: {}, body: 42 as never });
    expect(res.status).toBe(500);
    expect(errorCode(res.body)).toBe('internal_error');
  });

  test('docs/errors.md documents every code with its status', () => {
    const page = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(page, code).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});

describe('schemes that answer with promises', () => {
  /** The standard scheme, with each method answering through a promise (as a Web Crypto scheme does). */
  function asyncScheme(overrides: Partial<Scheme> = {}): Scheme {
    return {
      name: scheme.name,
      verify: async (request) => scheme.verify(request),
      parse: async (request) => JSON.parse(request.body.toString('utf8')) as unknown,
      describe: async (payload, request, verified) => scheme.describe(payload, request, verified),
      ...overrides,
    };
  }

  test('an async verify that rejects is a 401, never "verified"', async () => {
    let ran = 0;
    const receiver = createReceiver({ scheme: asyncScheme() }).onAny(() => {
      ran++;
    });
    const forged = { ...delivery(paid, { id: 'msg_async' }), body: '{"type":"invoice.paid","forged":true}' };
    const res = await receiver.handle(forged);
    expect([res.status, errorCode(res.body), ran]).toEqual([401, 'invalid_signature', 0]);
  });

  test('an async parse and describe are awaited: the handler gets the event, and dedupe applies', async () => {
    const events: unknown[] = [];
    const receiver = createReceiver({ scheme: asyncScheme() }).onAny((event) => {
      events.push(event);
    });
    const request = delivery(paid, { id: 'msg_async_ok' });
    expect(JSON.parse((await receiver.handle(request)).body)).toEqual({ status: 'processed' });
    expect(JSON.parse((await receiver.handle(request)).body)).toEqual({ status: 'duplicate' });
    expect(events).toEqual([paid]);
  });

  test('a rejected describe or respond is a 500 internal_error answered, not a crash', async () => {
    for (const broken of [
      asyncScheme({ describe: () => Promise.reject(new Error('describe broke')) }),
      asyncScheme({ respond: () => Promise.reject(new Error('respond broke')) }),
    ]) {
      const res = await createReceiver({ scheme: broken })
        .onAny(() => {})
        .handle(delivery(paid));
      expect([res.status, errorCode(res.body)]).toEqual([500, 'internal_error']);
    }
  });
});

describe('deliveries no handler ran for', () => {
  test('are answered 200 "unhandled", recorded as such, and reported once per type', async () => {
    const records: DeliveryRecord[] = [];
    const reports: [string, string | undefined][] = [];
    const receiver = createReceiver({
      scheme,
      events: { 'invoice.paid': z.object({}) },
      observe: (r) => records.push(r),
    })
      .on('invoice.paid', () => {})
      .onError((error, ctx) => reports.push([error.code, ctx?.type]));
    const misspelt = (id: string) => delivery({ type: 'invoice.payed' }, { id });
    for (const id of ['u1', 'u2']) {
      const res = await receiver.handle(misspelt(id));
      expect([res.status, JSON.parse(res.body)]).toEqual([200, { status: 'unhandled' }]);
    }
    expect(JSON.parse((await receiver.handle(delivery(paid, { id: 'u3' }))).body)).toEqual({ status: 'processed' });
    expect(records.map((r) => r.outcome)).toEqual(['unhandled', 'unhandled', 'processed']);
    expect(reports).toEqual([['unhandled_event', 'invoice.payed']]);
  });

  test('onUntyped handles a type that has no schema', async () => {
    const seen: unknown[] = [];
    const receiver = createReceiver({ scheme, events: { 'invoice.paid': z.object({}) } }).onUntyped(
      'charge.refunded',
      (event) => {
        seen.push(event);
      },
    );
    const res = await receiver.handle(delivery({ type: 'charge.refunded' }));
    expect(JSON.parse(res.body)).toEqual({ status: 'processed' });
    expect(seen).toEqual([{ type: 'charge.refunded' }]);
  });
});

describe('what handlers see', () => {
  test('ctx.headers keep no signature, authorization or cookie header', async () => {
    let names: string[] = [];
    const receiver = createReceiver({ scheme }).onAny((_event, ctx) => {
      names = Object.keys(ctx.headers);
    });
    const body = JSON.stringify(paid);
    const headers = {
      ...signStandardWebhooks({ secret, body }),
      authorization: 'Bearer t',
      cookie: 'a=b',
      'x-api-key': 'k',
      'user-agent': 'Svix-Webhooks/1.0',
    };
    await receiver.handle(post(headers, body));
    expect(names.sort()).toEqual(['user-agent', 'webhook-id', 'webhook-timestamp']);
  });

  test("ctx.headers keep no scheme's signature header, even one named like any other header", async () => {
    let names: string[] = [];
    // `x-custom-mac` says nothing of a signature: only the scheme's own list keeps it out.
    const receiver = createReceiver({ scheme: hmac({ secret: 'mac-secret', header: 'X-Custom-Mac' }) }).onAny(
      (_event, ctx) => {
        names = Object.keys(ctx.headers);
      },
    );
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
    const mac = createHmac('sha256', 'mac-secret').update(body).digest('hex');
    const res = await receiver.handle(post({ 'x-custom-mac': mac, 'user-agent': 'sender/1.0' }, body));
    expect(res.status).toBe(200);
    expect(names).toEqual(['user-agent']);
  });

  test('a configured header named like an Object property reads as absent, not as the inherited value', async () => {
    // The scheme reads node:http's own record (a plain object): `constructor` is Object's unless sent.
    const seen: [string | undefined, string | undefined][] = [];
    const receiver = createReceiver({
      scheme: hmac({ secret: 'mac-secret', header: 'x-mac', idHeader: 'constructor', typeHeader: 'toString' }),
    }).onAny((_event, ctx) => {
      seen.push([ctx.id, ctx.type]);
    });
    const body = JSON.stringify({ data: 1 });
    const mac = createHmac('sha256', 'mac-secret').update(body).digest('hex');
    await receiver.handle(post({ 'x-mac': mac }, body));
    await receiver.handle(post({ 'x-mac': mac, constructor: 'evt_1' }, body));
    expect(seen).toEqual([
      [undefined, undefined],
      ['evt_1', undefined],
    ]);
  });
});

describe('configuration mistakes are caught when the receiver is built', () => {
  test.each([
    [
      'a URL string as the dedupe store',
      { dedupe: { store: 'redis://localhost:6379' } },
      /dedupe.store must be a store object.*not a string/,
    ],
    ['a dedupe key that is not a function', { dedupe: { key: 'id' } }, /dedupe.key must be a function/],
    ['an observer that is not a function', { observe: true }, /observe must be a function/],
    [
      'an order store without cursors',
      { order: { key: () => 'k', sequence: () => 1, start: 1, store: {} } },
      /order.store must keep cursors/,
    ],
  ])('%s', (_name, options, message) => {
    expect(() => createReceiver({ scheme, ...(options as object) })).toThrow(message);
  });
});

describe('errors from another copy of hookgate', () => {
  test('keep their status: a HookgateError from the CJS build thrown into the ESM receiver is still a 401', async () => {
    // Both builds as an app loads them (no source condition): the ESM receiver, a scheme bound to the CJS copy.
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import('@hookgate/core');
      const cjs = createRequire(import.meta.url)('@hookgate/core');
      const scheme = { name: 'copy', verify() { throw new cjs.HookgateError('invalid_signature', 'No signature matched'); },
        describe: () => ({ id: undefined, type: undefined }) };
      const res = await esm.createReceiver({ scheme }).handle({ method: 'POST', headers: {}, body: '{}' });
      const foreign = new cjs.HookgateError('store_unavailable', 'down');
      console.log(JSON.stringify({
        distinct: esm.HookgateError !== cjs.HookgateError,
        status: res.status,
        code: JSON.parse(res.body).error.code,
        isHookgateError: esm.isHookgateError(foreign),
        instanceOf: foreign instanceof esm.HookgateError,
        plainError: new Error('x') instanceof esm.HookgateError,
      }));`;
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({
      distinct: true,
      status: 401,
      code: 'invalid_signature',
      isHookgateError: true,
      instanceOf: true,
      plainError: false,
    });
    // Subclasses keep the ordinary prototype test.
    const { HookgateError } = await import('@hookgate/core');
    expect(new HookgateError('internal_error', 'x') instanceof SchemaMismatchError).toBe(false);
  });
});

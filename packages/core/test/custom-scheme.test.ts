// custom(): a sender described as data. Each layout, algorithm, encoding, template part, timestamp,
// id and handshake form, and every configuration mistake caught at construction.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import {
  type CustomOptions,
  createReceiver,
  custom,
  type DeliveryContext,
  HookgateError,
  type ReceiverRequest,
  type Scheme,
  type SchemeRequest,
} from '@hookgate/core';
import { signCustom } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { errorCode } from './helpers.js';

const NOW = 1_760_000_000;
const body = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: { order: { id: 'o-9' } }, sentAt: NOW * 1000 });

function receive(scheme: Scheme) {
  const seen: DeliveryContext[] = [];
  const receiver = createReceiver({ scheme, now: () => NOW * 1000 });
  receiver.onAny((_event, ctx) => {
    seen.push(ctx);
  });
  return { receiver, seen };
}

const post = (headers: Record<string, string>, payload = body, url = '/hooks'): ReceiverRequest => ({
  method: 'POST',
  url,
  headers,
  body: payload,
});

const base: CustomOptions = {
  name: 'acme',
  secret: 'acme-secret',
  signature: { header: 'x-acme-signature' },
  algorithm: 'hmac-sha256',
  encoding: 'hex',
};

describe('custom: layouts and algorithms', () => {
  test('single signature with a prefix; id and type from body paths', async () => {
    const scheme = custom({
      ...base,
      signature: { header: 'X-Acme-Signature', prefix: 'sha256=' },
      id: { body: 'data.order.id' },
      type: { body: 'type' },
    });
    const signature = signCustom({
      secret: 'acme-secret',
      body,
      header: 'x',
      algorithm: 'hmac-sha256',
      encoding: 'hex',
      prefix: 'sha256=',
    });
    expect(signature).toBe(`sha256=${createHmac('sha256', 'acme-secret').update(body).digest('hex')}`);
    const { receiver, seen } = receive(scheme);
    expect((await receiver.handle(post({ 'x-acme-signature': signature }))).status).toBe(200);
    expect(seen[0]).toMatchObject({ scheme: 'acme', id: 'o-9', type: 'order.paid', dedupeKey: 'acme:o-9' });
    const noPrefix = await receiver.handle(post({ 'x-acme-signature': signature.slice(7) }));
    expect(errorCode(noPrefix.body)).toBe('malformed_header');
  });

  test.each([
    ['hmac-sha1', 'base64'],
    ['hmac-sha256', 'base64url'],
    ['hmac-sha512', 'hex'],
  ] as const)('%s in %s', async (algorithm, encoding) => {
    const scheme = custom({ ...base, algorithm, encoding, id: { body: 'id' } });
    const signature = signCustom({ secret: 'acme-secret', body, header: 'x', algorithm, encoding });
    const manual = createHmac(algorithm.slice(5), 'acme-secret').update(body).digest(encoding);
    expect(signature).toBe(manual);
    const { receiver } = receive(scheme);
    expect((await receiver.handle(post({ 'x-acme-signature': signature }))).status).toBe(200);
    // A signature in another encoding of the same bytes is not the canonical text: rejected.
    const other = createHmac(algorithm.slice(5), 'acme-secret')
      .update(body)
      .digest(encoding === 'hex' ? 'base64' : 'hex');
    expect((await receiver.handle(post({ 'x-acme-signature': other }))).status).toBe(401);
  });

  test('a list of entries with a version prefix (Standard Webhooks layout): any entry may match', async () => {
    const scheme = custom({
      ...base,
      encoding: 'base64',
      signature: { header: 'x-acme-signature', list: { separator: ' ', prefix: 'v1,' } },
      signedContent: '{id}.{timestamp}.{body}',
      id: { header: 'x-acme-id' },
      timestamp: { header: 'x-acme-timestamp' },
    });
    const good = signCustom({
      secret: 'acme-secret',
      body,
      header: 'x',
      algorithm: 'hmac-sha256',
      encoding: 'base64',
      signedContent: '{id}.{timestamp}.{body}',
      id: 'msg_1',
      timestamp: String(NOW),
    });
    const headers = { 'x-acme-id': 'msg_1', 'x-acme-timestamp': String(NOW) };
    const { receiver, seen } = receive(scheme);
    const res = await receiver.handle(
      post({ ...headers, 'x-acme-signature': `v2,junk v1,${'A'.repeat(44)} v1,${good}` }),
    );
    expect(res.status).toBe(200);
    expect(seen[0]).toMatchObject({ id: 'msg_1', timestamp: NOW });
    const onlyOthers = await receiver.handle(post({ ...headers, 'x-acme-signature': `v2,${good}` }));
    expect(errorCode(onlyOthers.body)).toBe('malformed_header');
    // The id is signed: changing it breaks the signature.
    const otherId = await receiver.handle(post({ ...headers, 'x-acme-id': 'msg_2', 'x-acme-signature': `v1,${good}` }));
    expect(errorCode(otherId.body)).toBe('invalid_signature');
  });

  test('key=value pairs with the timestamp in the header (Stripe layout), several signatures', async () => {
    const scheme = custom({
      ...base,
      signature: { header: 'x-acme-signature', pairs: { separator: ',', signature: 'v1' } },
      signedContent: '{timestamp}.{body}',
      timestamp: { pair: 't' },
    });
    const v1 = signCustom({
      secret: 'acme-secret',
      body,
      header: 'x',
      algorithm: 'hmac-sha256',
      encoding: 'hex',
      signedContent: '{timestamp}.{body}',
      timestamp: String(NOW),
    });
    const { receiver, seen } = receive(scheme);
    expect((await receiver.handle(post({ 'x-acme-signature': `t=${NOW},v1=${'0'.repeat(64)},v1=${v1}` }))).status).toBe(
      200,
    );
    expect(seen[0]?.timestamp).toBe(NOW);
    const noTime = await receiver.handle(post({ 'x-acme-signature': `v1=${v1}` }));
    expect(errorCode(noTime.body)).toBe('malformed_header');
    const oldV1 = signCustom({
      secret: 'acme-secret',
      body,
      header: 'x',
      algorithm: 'hmac-sha256',
      encoding: 'hex',
      signedContent: '{timestamp}.{body}',
      timestamp: String(NOW - 900),
    });
    const stale = await receiver.handle(post({ 'x-acme-signature': `t=${NOW - 900},v1=${oldV1}` }));
    expect(errorCode(stale.body)).toBe('timestamp_outside_window');
  });

  test('ed25519 with a raw hex public key; ecdsa-p256 in DER and in IEEE P1363; rsa-sha256 with a PEM key', async () => {
    const algorithms = [
      ['ed25519', generateKeyPairSync('ed25519'), undefined],
      ['ecdsa-p256-sha256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'der'],
      ['ecdsa-p256-sha256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ieee-p1363'],
      ['rsa-sha256', generateKeyPairSync('rsa', { modulusLength: 2048 }), undefined],
    ] as const;
    for (const [algorithm, pair, dsa] of algorithms) {
      const publicKey =
        algorithm === 'ed25519'
          ? pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex')
          : (pair.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      const scheme = custom({
        name: 'signed',
        publicKey,
        signature: { header: 'x-sig' },
        algorithm,
        encoding: 'base64',
        signedContent: '{timestamp}.{body}',
        timestamp: { header: 'x-ts' },
        ...(dsa === undefined ? {} : { ecdsaSignature: dsa }),
      });
      const content = Buffer.from(`${NOW}.${body}`);
      const key = dsa === undefined ? pair.privateKey : { key: pair.privateKey, dsaEncoding: dsa };
      const signature = sign(algorithm === 'ed25519' ? null : 'sha256', content, key).toString('base64');
      const { receiver, seen } = receive(scheme);
      const res = await receiver.handle(post({ 'x-sig': signature, 'x-ts': String(NOW) }));
      expect([algorithm, dsa, res.status]).toEqual([algorithm, dsa, 200]);
      expect(seen).toHaveLength(1);
      const tampered = await receiver.handle(
        post({ 'x-sig': signature, 'x-ts': String(NOW) }, body.replace('o-9', 'o-8')),
      );
      expect(errorCode(tampered.body)).toBe('invalid_signature');
    }
  });

  test('signCustom signs with a private key for the public-key algorithms', async () => {
    const pair = generateKeyPairSync('ed25519');
    const scheme = custom({
      name: 'ed',
      publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      signature: { header: 'x-sig' },
      algorithm: 'ed25519',
      encoding: 'hex',
    });
    const signature = signCustom({
      secret: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      body,
      header: 'x-sig',
      algorithm: 'ed25519',
      encoding: 'hex',
    });
    expect((await receive(scheme).receiver.handle(post({ 'x-sig': signature }))).status).toBe(200);
  });

  test('only the first 2 public-key signatures in a list are tried (each costs ~20 HMACs)', async () => {
    const pair = generateKeyPairSync('ed25519');
    const scheme = custom({
      name: 'ed',
      publicKey: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      signature: { header: 'x-sig', list: { separator: ' ' } },
      algorithm: 'ed25519',
      encoding: 'base64',
    });
    const good = sign(null, Buffer.from(body), pair.privateKey).toString('base64');
    const decoy = sign(null, Buffer.from('other'), pair.privateKey).toString('base64');
    const { receiver } = receive(scheme);
    expect((await receiver.handle(post({ 'x-sig': `${decoy} ${good}` }))).status).toBe(200);
    expect((await receiver.handle(post({ 'x-sig': `${decoy} ${decoy} ${good}` }))).status).toBe(401);
  });
});

describe('custom: signed content, timestamps, ids', () => {
  test('{url}, {method} and {header:…} are signed', async () => {
    const scheme = custom({
      ...base,
      signedContent: '{method} {url}\n{header:x-acme-account}\n{body}',
      url: (request: SchemeRequest) => `https://api.example.com${request.url}`,
    });
    const signature = signCustom({
      secret: 'acme-secret',
      body,
      header: 'x',
      algorithm: 'hmac-sha256',
      encoding: 'hex',
      signedContent: '{method} {url}\n{header:x-acme-account}\n{body}',
      url: 'https://api.example.com/hooks?a=1',
      headers: { 'x-acme-account': 'acct_1' },
    });
    expect(signature).toBe(
      createHmac('sha256', 'acme-secret')
        .update(`POST https://api.example.com/hooks?a=1\nacct_1\n${body}`)
        .digest('hex'),
    );
    const { receiver } = receive(scheme);
    const headers = { 'x-acme-signature': signature, 'x-acme-account': 'acct_1' };
    expect((await receiver.handle(post(headers, body, '/hooks?a=1'))).status).toBe(200);
    expect((await receiver.handle(post(headers, body, '/hooks?a=2'))).status).toBe(401);
    expect((await receiver.handle(post({ ...headers, 'x-acme-account': 'acct_2' }, body, '/hooks?a=1'))).status).toBe(
      401,
    );
    const missing = await receiver.handle(post({ 'x-acme-signature': signature }, body, '/hooks?a=1'));
    expect(errorCode(missing.body)).toBe('missing_header');
  });

  test('timestamps: header in ms, ISO text, and a field of the signed body', async () => {
    const msScheme = custom({
      ...base,
      signedContent: '{timestamp}{body}',
      timestamp: { header: 'x-ts', format: 'ms' },
    });
    const ms = String(NOW * 1000 + 123);
    const msSig = createHmac('sha256', 'acme-secret').update(`${ms}${body}`).digest('hex');
    const ms1 = receive(msScheme);
    expect((await ms1.receiver.handle(post({ 'x-acme-signature': msSig, 'x-ts': ms }))).status).toBe(200);
    expect(ms1.seen[0]?.timestamp).toBe(NOW);

    const isoScheme = custom({
      ...base,
      signedContent: '{timestamp}{body}',
      timestamp: { header: 'x-ts', format: 'iso' },
    });
    const iso = '2025-10-09T08:53:20.123456789Z';
    const isoSig = createHmac('sha256', 'acme-secret').update(`${iso}${body}`).digest('hex');
    const iso1 = createReceiver({ scheme: isoScheme, now: () => Date.parse('2025-10-09T08:53:21Z') });
    expect((await iso1.handle(post({ 'x-acme-signature': isoSig, 'x-ts': iso }))).status).toBe(200);
    const badIso = await iso1.handle(post({ 'x-acme-signature': isoSig, 'x-ts': '2025-10-09 08:53:20' }));
    expect(errorCode(badIso.body)).toBe('malformed_header');

    const bodyScheme = custom({ ...base, timestamp: { body: 'sentAt', format: 'ms' } });
    const bodySig = createHmac('sha256', 'acme-secret').update(body).digest('hex');
    const b = receive(bodyScheme);
    expect((await b.receiver.handle(post({ 'x-acme-signature': bodySig }))).status).toBe(200);
    expect(b.seen[0]?.timestamp).toBe(NOW);
  });

  test('id: a signed header is required; an unsigned one never overrides a signed body id', async () => {
    const signedId = custom({ ...base, signedContent: '{id}:{body}', id: { header: 'x-id' } });
    const sig = createHmac('sha256', 'acme-secret').update(`d-1:${body}`).digest('hex');
    const { receiver, seen } = receive(signedId);
    expect((await receiver.handle(post({ 'x-acme-signature': sig, 'x-id': 'd-1' }))).status).toBe(200);
    expect(seen[0]?.id).toBe('d-1');
    expect(errorCode((await receiver.handle(post({ 'x-acme-signature': sig }))).body)).toBe('missing_header');

    const plain = createHmac('sha256', 'acme-secret').update(body).digest('hex');
    const unsigned = receive(custom({ ...base, id: { header: 'x-id' } }));
    await unsigned.receiver.handle(post({ 'x-acme-signature': plain, 'x-id': 'given' }));
    expect(unsigned.seen[0]?.id).toBe('given');
  });

  test('id: a hash of the signed content, or of the body alone, dedupes a redelivery', async () => {
    for (const id of ['content-hash', 'body-hash'] as const) {
      const scheme = custom({ ...base, signedContent: '{timestamp}.{body}', timestamp: { header: 'x-ts' }, id });
      const { receiver, seen } = receive(scheme);
      const at = (t: number) => ({
        'x-ts': String(t),
        'x-acme-signature': createHmac('sha256', 'acme-secret').update(`${t}.${body}`).digest('hex'),
      });
      await receiver.handle(post(at(NOW)));
      const again = await receiver.handle(post(at(NOW)));
      expect(JSON.parse(again.body)).toMatchObject({ status: 'duplicate' });
      const resigned = await receiver.handle(post(at(NOW + 1)));
      // A redelivery re-signed at another time is the same body: a duplicate only for body-hash.
      expect([id, JSON.parse(resigned.body).status]).toEqual([id, id === 'body-hash' ? 'duplicate' : 'processed']);
      expect(seen[0]?.id).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('type from a header first, then a body path; form bodies', async () => {
    const scheme = custom({ ...base, type: { header: 'x-event', body: 'kind' }, bodyFormat: 'form' });
    const form = 'kind=created&id=1';
    const sig = createHmac('sha256', 'acme-secret').update(form).digest('hex');
    const { receiver, seen } = receive(scheme);
    await receiver.handle(post({ 'x-acme-signature': sig }, form));
    await receiver.handle(post({ 'x-acme-signature': sig, 'x-event': 'from.header' }, form));
    expect(seen.map((ctx) => ctx.type)).toEqual(['created', 'from.header']);
  });

  test('secretEncoding: a base64 or hex secret is used as its bytes', async () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    for (const [secretEncoding, secret] of [
      ['base64', key.toString('base64')],
      ['hex', key.toString('hex')],
    ] as const) {
      const scheme = custom({ ...base, secret, secretEncoding });
      const sig = createHmac('sha256', key).update(body).digest('hex');
      expect((await receive(scheme).receiver.handle(post({ 'x-acme-signature': sig }))).status).toBe(200);
    }
    expect(() => custom({ ...base, secret: 'not hex!', secretEncoding: 'hex' })).toThrow(/not valid hex/);
  });
});

describe('custom: handshakes', () => {
  const plain = (payload: string) => createHmac('sha256', 'acme-secret').update(payload).digest('hex');

  test('json answer with a body value, only for a signed request that matches', async () => {
    const scheme = custom({
      ...base,
      handshake: {
        when: { body: { type: 'url_verification' } },
        respond: { json: { challenge: { body: 'challenge' }, ok: true } },
      },
    });
    const payload = JSON.stringify({ type: 'url_verification', challenge: 'c-123' });
    const { receiver, seen } = receive(scheme);
    const res = await receiver.handle(post({ 'x-acme-signature': plain(payload) }, payload));
    expect(res).toMatchObject({ status: 200, body: '{"challenge":"c-123","ok":true}' });
    expect(seen).toHaveLength(0);
    const unsigned = await receiver.handle(post({}, payload));
    expect(unsigned.status).toBe(401);
    // Not the handshake: dispatched as an event.
    await receiver.handle(post({ 'x-acme-signature': plain(body) }));
    expect(seen).toHaveLength(1);
  });

  test('text answer matched on a header; function answer', async () => {
    const text = custom({
      ...base,
      handshake: { when: { headers: { 'X-Kind': 'verify' } }, respond: { status: 202, text: { body: 'challenge' } } },
    });
    const payload = JSON.stringify({ challenge: 'abc' });
    const res = await receive(text).receiver.handle(
      post({ 'x-acme-signature': plain(payload), 'x-kind': 'verify' }, payload),
    );
    expect(res).toMatchObject({ status: 202, body: 'abc' });
    const fn = custom({
      ...base,
      handshake: {
        when: { body: { ping: true } },
        respond: (p) => ({ status: 200, headers: {}, body: `pong:${(p as { n: number }).n}` }),
      },
    });
    const ping = JSON.stringify({ ping: true, n: 7 });
    expect((await receive(fn).receiver.handle(post({ 'x-acme-signature': plain(ping) }, ping))).body).toBe('pong:7');
  });
});

describe('custom: configuration errors are clear at construction', () => {
  const cases: [string, Partial<CustomOptions> & Record<string, unknown>, RegExp][] = [
    ['no name', { name: '' }, /a name is required/],
    ['unknown algorithm', { algorithm: 'md5' as never }, /algorithm must be one of/],
    ['unknown encoding', { encoding: 'hexx' as never }, /encoding must be one of/],
    ['no header', { signature: { header: '' } }, /signature.header is required/],
    [
      'list and pairs',
      { signature: { header: 'x', list: { separator: ' ' }, pairs: { separator: ',', signature: 'v1' } } },
      /list or pairs, not both/,
    ],
    ['no body in the template', { signedContent: '{timestamp}' }, /must include \{body\}/],
    ['unknown template token', { signedContent: '{body}{nonce}' }, /unknown \{nonce\}/],
    ['{id} without an id header', { signedContent: '{id}.{body}' }, /uses \{id\} but id names no header/],
    ['{timestamp} without a source', { signedContent: '{timestamp}.{body}' }, /names no header or pair/],
    ['unsigned timestamp header', { timestamp: { header: 'x-ts' } }, /timestamp is not signed/],
    [
      'timestamp pair without pairs',
      { signedContent: '{timestamp}{body}', timestamp: { pair: 't' } },
      /needs signature.pairs/,
    ],
    ['bad timestamp format', { timestamp: { body: 'ts', format: 'days' as never } }, /seconds, ms or iso/],
    ['bad id', { id: 'uuid' as never }, /id must be/],
    ['{url} without url', { signedContent: '{url}{body}' }, /give url/],
    ['relative url', { signedContent: '{url}{body}', url: '/hooks' }, /absolute http/],
    ['empty path', { type: { body: 'a..b' } }, /not a dotted path/],
    ['publicKey with hmac', { publicKey: 'abcd' }, /not publicKey/],
    ['secret with ed25519', { algorithm: 'ed25519' }, /not a secret/],
    ['no secret', { secret: undefined }, /a secret is required/],
    ['handshake without a match', { handshake: { when: {}, respond: { text: 'x' } } }, /at least one/],
    [
      'handshake with json and text',
      { handshake: { when: { body: { a: 1 } }, respond: { text: 'x', json: {} } } },
      /exactly one/,
    ],
    [
      'handshake status not 2xx',
      { handshake: { when: { body: { a: 1 } }, respond: { status: 302, text: 'x' } } },
      /2xx/,
    ],
  ];
  test.each(cases)('%s', (_name, change, message) => {
    let caught: unknown;
    try {
      custom({ ...base, ...change } as CustomOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HookgateError);
    expect((caught as HookgateError).code).toBe('invalid_configuration');
    expect((caught as HookgateError).message).toMatch(message);
  });

  test('a public key of the wrong algorithm is refused', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'pem',
      type: 'spki',
    }) as string;
    expect(() => custom({ ...base, secret: undefined, publicKey: ec, algorithm: 'ed25519' })).toThrow(
      /not a ed25519 key/,
    );
  });
});

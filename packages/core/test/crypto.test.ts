/**
 * The crypto layer, both implementations side by side on the same inputs: the
 * node:crypto one and the Web Crypto one (what Bun, Deno and workers run), with
 * keys, signatures and digests made independently by node:crypto as the reference.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import * as nodeCrypto from '../src/crypto/node.js';
import type { CryptoBackend, HmacAlgorithm, PublicKeyAlgorithm, SignatureEncoding } from '../src/crypto/types.js';
import * as webCrypto from '../src/crypto/web.js';
import { isHookgateError } from '../src/errors.js';

const implementations: [string, CryptoBackend][] = [
  ['node:crypto', nodeCrypto],
  ['web-crypto', webCrypto],
];

const ALGORITHMS: HmacAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const ENCODINGS: SignatureEncoding[] = ['hex', 'base64', 'base64url'];

function configErrorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isHookgateError(error) ? error.code : `not a HookgateError: ${String(error)}`;
  }
  return undefined;
}

/** Flips one character of a signature text to another of its alphabet. */
const flip = (text: string, at = 3) => text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);

describe.each(implementations)('%s', (name, backend) => {
  test('names itself', () => {
    expect(backend.name).toBe(name);
  });

  describe('hmacMatches', () => {
    const secret = 'whsec_Ünïcödé-secret';
    const body = Buffer.from(JSON.stringify({ note: 'café ☕', n: 42 }), 'utf8');
    for (const algorithm of ALGORITHMS) {
      for (const encoding of ENCODINGS) {
        const reference = createHmac(algorithm, secret).update('123.').update(body).digest(encoding);
        test(`${algorithm} ${encoding}: the canonical text matches; a flipped, cased or re-padded one does not`, async () => {
          const key = backend.hmacKey(secret);
          const match = (candidates: string[]) =>
            backend.hmacMatches(algorithm, encoding, [key], ['123.', body], candidates);
          expect(await match([reference])).toBe(true);
          expect(await match(['junk', reference])).toBe(true);
          expect(await match([flip(reference)])).toBe(false);
          expect(await match([])).toBe(false);
          const altered =
            encoding === 'hex'
              ? reference.toUpperCase()
              : encoding === 'base64'
                ? reference.replace(/=+$/, '')
                : `${reference}=`;
          if (altered !== reference) expect(await match([altered])).toBe(false);
        });
      }
    }

    test('any of several keys; bytes and text secrets are the same key', async () => {
      const raw = randomBytes(24);
      const keys = [backend.hmacKey('other'), backend.hmacKey(raw)];
      const reference = createHmac('sha256', raw).update(body).digest('hex');
      expect(await backend.hmacMatches('sha256', 'hex', keys, [body], [reference])).toBe(true);
      expect(await backend.hmacMatches('sha256', 'hex', [backend.hmacKey('other')], [body], [reference])).toBe(false);
      const text = createHmac('sha256', 'plain').update(body).digest('hex');
      expect(await backend.hmacMatches('sha256', 'hex', [backend.hmacKey(Buffer.from('plain'))], [body], [text])).toBe(
        true,
      );
    });

    test('the parts are the signed content in order, strings as UTF-8', async () => {
      const key = backend.hmacKey(secret);
      const reference = createHmac('sha256', secret).update('a.b.').update(body).digest('base64');
      expect(await backend.hmacMatches('sha256', 'base64', [key], ['a.', 'b.', body], [reference])).toBe(true);
      expect(await backend.hmacMatches('sha256', 'base64', [key], ['b.', 'a.', body], [reference])).toBe(false);
      expect(await backend.hmacMatches('sha256', 'base64', [key], [Buffer.from('a.b.'), body], [reference])).toBe(true);
    });

    test('an empty secret is a configuration error', () => {
      expect(configErrorOf(() => backend.hmacKey(''))).toBe('invalid_configuration');
      expect(configErrorOf(() => backend.hmacKey(new Uint8Array(0)))).toBe('invalid_configuration');
    });
  });

  describe('publicKey and publicKeyVerifies', () => {
    const content = ['msg_1.1700000000.', Buffer.from('{"type":"ping"}')];
    const joined = Buffer.concat([Buffer.from(content[0] as string), content[1] as Buffer]);

    test('Ed25519 from raw, SPKI and PEM', async () => {
      const pair = generateKeyPairSync('ed25519');
      const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
      const signature = sign(null, joined, pair.privateKey);
      for (const input of [
        { format: 'raw', bytes: spki.subarray(12) },
        { format: 'spki', bytes: spki },
        { format: 'pem', text: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString() },
      ] as const) {
        const key = backend.publicKey('ed25519', input);
        expect(await backend.publicKeyVerifies([key], content, [signature])).toBe(true);
        expect(await backend.publicKeyVerifies([key], [joined], [new Uint8Array(64), signature])).toBe(true);
        const tampered = Buffer.from(signature);
        tampered[10] = (tampered[10] ?? 0) ^ 1;
        expect(await backend.publicKeyVerifies([key], content, [tampered])).toBe(false);
        expect(await backend.publicKeyVerifies([key], [joined, 'x'], [signature])).toBe(false);
      }
    });

    test('ECDSA P-256 with DER (default) and IEEE P1363 signatures, from a raw point or PEM', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
      const der = sign('sha256', joined, pair.privateKey);
      const p1363 = sign('sha256', joined, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
      const raw = backend.publicKey('ecdsa-p256-sha256', { format: 'raw', bytes: spki.subarray(spki.length - 65) });
      const pem = backend.publicKey('ecdsa-p256-sha256', {
        format: 'pem',
        text: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      });
      const jws = backend.publicKey(
        'ecdsa-p256-sha256',
        { format: 'spki', bytes: spki },
        { ecdsaSignature: 'ieee-p1363' },
      );
      expect(await backend.publicKeyVerifies([raw], content, [der])).toBe(true);
      expect(await backend.publicKeyVerifies([pem], content, [der])).toBe(true);
      expect(await backend.publicKeyVerifies([jws], content, [p1363])).toBe(true);
      expect(await backend.publicKeyVerifies([raw], content, [p1363])).toBe(false);
      expect(await backend.publicKeyVerifies([jws], content, [der])).toBe(false);
      expect(await backend.publicKeyVerifies([raw], ['other'], [der])).toBe(false);
    });

    test('RSA-SHA256 (PKCS#1 v1.5) from PEM and SPKI', async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const signature = sign('sha256', joined, pair.privateKey);
      const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      for (const key of [
        backend.publicKey('rsa-sha256', { format: 'pem', text: pem }),
        backend.publicKey('rsa-sha256', {
          format: 'spki',
          bytes: pair.publicKey.export({ format: 'der', type: 'spki' }),
        }),
      ]) {
        expect(await backend.publicKeyVerifies([key], content, [signature])).toBe(true);
        expect(await backend.publicKeyVerifies([key], ['tampered'], [signature])).toBe(false);
      }
    });

    test('a key of another algorithm, a wrong raw length or a non-SPKI PEM is a configuration error', () => {
      const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
        format: 'der',
        type: 'spki',
      });
      const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({
        format: 'der',
        type: 'spki',
      });
      const cases: [PublicKeyAlgorithm, Parameters<CryptoBackend['publicKey']>[1]][] = [
        ['ecdsa-p256-sha256', { format: 'spki', bytes: ed }],
        ['ecdsa-p256-sha256', { format: 'spki', bytes: k1 }],
        ['ed25519', { format: 'spki', bytes: ec }],
        ['rsa-sha256', { format: 'spki', bytes: ed }],
        ['ed25519', { format: 'raw', bytes: new Uint8Array(31) }],
        ['rsa-sha256', { format: 'raw', bytes: new Uint8Array(32) }],
        ['rsa-sha256', { format: 'pem', text: '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----' }],
      ];
      for (const [algorithm, input] of cases) {
        expect(
          configErrorOf(() => backend.publicKey(algorithm, input)),
          `${algorithm} ${input.format}`,
        ).toBe('invalid_configuration');
      }
    });

    test('no key or no signature never verifies', async () => {
      const key = backend.publicKey('ed25519', { format: 'raw', bytes: new Uint8Array(32).fill(7) });
      expect(await backend.publicKeyVerifies([], content, [new Uint8Array(64)])).toBe(false);
      expect(await backend.publicKeyVerifies([key], content, [])).toBe(false);
    });
  });

  test('digest equals node:crypto createHash for every algorithm', async () => {
    const body = randomBytes(1000);
    for (const algorithm of ALGORITHMS) {
      const reference = createHash(algorithm).update('prefix').update(body).digest('hex');
      expect(Buffer.from(await backend.digest(algorithm, ['prefix', body])).toString('hex')).toBe(reference);
    }
  });

  test('secretMatcher accepts any configured token and nothing else', async () => {
    const matches = backend.secretMatcher(['first-token', 'second-tøken']);
    expect(await matches('first-token')).toBe(true);
    expect(await matches('second-tøken')).toBe(true);
    expect(await matches('first-token ')).toBe(false);
    expect(await matches('')).toBe(false);
  });

  test('timingSafeEqual compares content and length', () => {
    expect(backend.timingSafeEqual(Buffer.from('abc'), new Uint8Array([97, 98, 99]))).toBe(true);
    expect(backend.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(backend.timingSafeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
  });
});

test('on Node the synchronous implementation answers without a promise', () => {
  const key = nodeCrypto.hmacKey('s');
  expect(nodeCrypto.hmacMatches('sha256', 'hex', [key], ['x'], ['0'.repeat(64)])).toBe(false);
  expect(webCrypto.hmacMatches('sha256', 'hex', [webCrypto.hmacKey('s')], ['x'], ['0'.repeat(64)])).toBeInstanceOf(
    Promise,
  );
});

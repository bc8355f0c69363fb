/**
 * bytes.ts on both paths: with Node's Buffer, and without it (as on workerd),
 * loaded a second time with the Buffer global removed. Buffer is the reference.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as withBuffer from '../src/bytes.js';

const saved = globalThis.Buffer;
Reflect.deleteProperty(globalThis, 'Buffer');
// A second instance of the module (the query makes it one), loaded while there is no Buffer.
const secondInstance = '../src/bytes.js?without-buffer';
const withoutBuffer = (await import(/* @vite-ignore */ secondInstance)) as typeof withBuffer;
globalThis.Buffer = saved;
afterAll(() => {
  globalThis.Buffer = saved;
});

describe.each([
  ['with Buffer', withBuffer],
  ['without Buffer', withoutBuffer],
] as const)('%s', (_name, bytes) => {
  test('encodes as Buffer does: hex, padded base64, unpadded base64url, UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 50 }), (data, text) => {
        const reference = Buffer.from(data);
        expect(bytes.toHex(data)).toBe(reference.toString('hex'));
        expect(bytes.toBase64(data)).toBe(reference.toString('base64'));
        expect(bytes.toBase64(data, true)).toBe(reference.toString('base64url'));
        expect(Buffer.from(bytes.utf8Encode(text)).equals(Buffer.from(text, 'utf8'))).toBe(true);
        expect(bytes.utf8Decode(Buffer.from(text, 'utf8'))).toBe(Buffer.from(text, 'utf8').toString('utf8'));
      }),
    );
  });

  test('decodes as Buffer does, with or without padding; undefined outside the alphabet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const reference = Buffer.from(data);
        const base64 = reference.toString('base64');
        expect(Buffer.from(bytes.fromBase64(base64) ?? []).equals(reference)).toBe(true);
        expect(Buffer.from(bytes.fromBase64(base64.replace(/=+$/, '')) ?? []).equals(reference)).toBe(true);
        expect(Buffer.from(bytes.fromBase64(reference.toString('base64url'), true) ?? []).equals(reference)).toBe(true);
        expect(Buffer.from(bytes.fromHex(reference.toString('hex')) ?? []).equals(reference)).toBe(true);
      }),
    );
    expect(bytes.fromBase64('ab$d')).toBeUndefined();
    expect(bytes.fromBase64('ab-_')).toBeUndefined();
    expect(bytes.fromBase64('ab+/', true)).toBeUndefined();
    expect(bytes.fromHex('abc')).toBeUndefined();
    expect(bytes.fromHex('zz')).toBeUndefined();
  });

  test('concatenates, within a total when given, and joins signed parts', () => {
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    expect([...bytes.concatBytes(chunks)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...bytes.concatBytes(chunks, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...bytes.joinParts(['a.', new Uint8Array([98])])]).toEqual([97, 46, 98]);
    expect(bytes.emptyBytes().length).toBe(0);
  });
});

test('without Buffer the bytes are plain Uint8Arrays; with it, Buffers viewing the same memory', () => {
  const data = new Uint8Array([1, 2, 3]);
  expect(Buffer.isBuffer(withoutBuffer.bytesView(data))).toBe(false);
  expect(Buffer.isBuffer(withoutBuffer.utf8Encode('x'))).toBe(false);
  const view = withBuffer.bytesView(data);
  expect(Buffer.isBuffer(view)).toBe(true);
  view[0] = 9;
  expect(data[0]).toBe(9);
});

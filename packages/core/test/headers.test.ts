import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { HeaderRecord, keepHeaders, normalizeHeaders, readHeaders, unnamedCredentials } from '../src/headers.js';

/** What a record holds, prototype and all: the fast copy and the name-by-name path must agree. */
function described(record: Record<string, string>) {
  return {
    entries: Object.entries(record),
    prototype: Object.getPrototypeOf(record) === HeaderRecord.prototype,
    inherited: [record.toString, record.hasOwnProperty, record.valueOf],
  };
}

/** The headers node:http hands a server for one request, as a server sees them. */
async function nodeHeaders(send: Record<string, string | string[]>): Promise<IncomingHttpHeaders> {
  const server = createServer((req, res) => {
    res.end();
    server.emit('seen', req.headers);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const seen = once(server, 'seen');
  const req = request({ port, host: '127.0.0.1', method: 'POST', headers: send });
  req.end('{}');
  const [headers] = (await seen) as [IncomingHttpHeaders];
  server.close();
  return headers;
}

describe('normalizeHeaders', () => {
  test("node:http's own record is copied whole: every name, every value, nothing inherited", async () => {
    const headers = await nodeHeaders({
      'Content-Type': 'application/json',
      'Webhook-Id': 'msg_1',
      'X-Repeated': ['a', 'b'],
    });
    const record = normalizeHeaders(headers);
    expect(record).not.toBe(headers);
    expect(described(record)).toEqual({
      entries: Object.entries(headers),
      prototype: true,
      inherited: [undefined, undefined, undefined],
    });
    expect(record['x-repeated']).toBe('a, b');
    expect(record['webhook-id']).toBe('msg_1');
    // A copy: writing to it leaves the request's own headers alone.
    record['webhook-id'] = 'changed';
    expect(headers['webhook-id']).toBe('msg_1');
  });

  test('records that need work take the name-by-name path and come out the same shape', () => {
    const cases: [Record<string, string | string[] | number | undefined>, Record<string, string>][] = [
      [{ 'Webhook-Id': 'a', 'webhook-id': 'b' }, { 'webhook-id': 'a, b' }],
      [
        { 'set-cookie': ['x=1', 'y=2'], host: 'h' },
        { 'set-cookie': 'x=1, y=2', host: 'h' },
      ],
      [{ 'content-length': 12, gone: undefined }, { 'content-length': '12' }],
      [
        { host: 'h', 'X-Late': 'v' },
        { host: 'h', 'x-late': 'v' },
      ],
    ];
    for (const [input, expected] of cases) {
      const record = normalizeHeaders(input);
      expect(described(record)).toEqual({
        entries: Object.entries(expected),
        prototype: true,
        inherited: [undefined, undefined, undefined],
      });
    }
  });

  test('names like Object properties stay plain headers on every path', () => {
    const plain = JSON.parse('{"__proto__":"p","constructor":"c","host":"h"}') as Record<string, string>;
    const needsWork = JSON.parse('{"__proto__":"p","Constructor":"c","host":"h"}') as Record<string, string>;
    // The record used as it is (readHeaders, a plain lower-case record), and the name-by-name path.
    for (const record of [readHeaders(plain).all, normalizeHeaders(plain), readHeaders(needsWork).all]) {
      expect(Object.keys(record)).toEqual(['__proto__', 'constructor', 'host']);
      // Read by a computed name, as the pipeline test does: it is a header here, not the accessor.
      const proto = '__proto__';
      expect([record[proto], record.constructor]).toEqual(['p', 'c']);
    }
    expect(Object.getPrototypeOf(normalizeHeaders(plain))).toBe(HeaderRecord.prototype);
    expect(Object.getPrototypeOf(readHeaders(needsWork).all)).toBe(HeaderRecord.prototype);
  });

  test('a record with a prototype of its own is read name by name, inherited names included', () => {
    const inherited = Object.create({ 'x-inherited': 'i' }) as Record<string, string>;
    inherited.host = 'h';
    expect(Object.entries(normalizeHeaders(inherited))).toEqual([
      ['host', 'h'],
      ['x-inherited', 'i'],
    ]);
  });

  test('a record without a prototype is copied like a plain one', () => {
    const bare = Object.assign(Object.create(null) as Record<string, string>, { host: 'h', 'webhook-id': 'w' });
    expect(described(normalizeHeaders(bare)).entries).toEqual([
      ['host', 'h'],
      ['webhook-id', 'w'],
    ]);
  });

  test('Headers objects and pairs are lower-cased and joined as before', () => {
    expect(Object.entries(normalizeHeaders(new Headers({ 'X-A': '1', host: 'h' })))).toEqual([
      ['host', 'h'],
      ['x-a', '1'],
    ]);
    expect(
      Object.entries(
        normalizeHeaders([
          ['X-A', '1'],
          ['x-a', '2'],
        ]),
      ),
    ).toEqual([['x-a', '1, 2']]);
  });
});

describe('readHeaders', () => {
  const signatureHeaders = ['x-custom-mac'];
  /** Both records as the one-pass path must make them: the normalized record, and it without credentials. */
  function expected(input: Parameters<typeof normalizeHeaders>[0]) {
    const all = normalizeHeaders(input);
    return { all: Object.entries(all), kept: described(keepHeaders(all, signatureHeaders)) };
  }
  function read(input: Parameters<typeof normalizeHeaders>[0]) {
    const { all, kept } = readHeaders(input, signatureHeaders);
    return { all: Object.entries(all), kept: described(kept) };
  }

  test("one pass over node:http's own record gives both records, credentials and signatures kept out of one", async () => {
    const headers = await nodeHeaders({
      'Webhook-Id': 'msg_1',
      'webhook-signature': 'v1,abc',
      Authorization: 'Bearer t',
      'X-Api-Key': 'k',
      'X-Custom-Mac': 'm',
      'User-Agent': 'sender/1.0',
    });
    const { all, kept } = readHeaders(headers, signatureHeaders);
    // Nothing to normalize: the scheme reads node:http's own record, never copied.
    expect(all).toBe(headers);
    expect(all['webhook-signature']).toBe('v1,abc');
    expect(all.authorization).toBe('Bearer t');
    expect(all['x-custom-mac']).toBe('m');
    expect(Object.keys(kept).sort()).toEqual(['connection', 'content-length', 'host', 'user-agent', 'webhook-id']);
    expect(read(headers)).toEqual(expected(headers));
  });

  test.each([
    [
      'mixed-case names',
      { Host: 'h', 'X-Hub-Signature-256': 's', 'x-hub-signature-256': 't', Cookie: 'c', 'X-A': '1' },
    ],
    ['a number and a list among the values', { host: 'h', 'content-length': 12, 'set-cookie': ['a', 'b'], 'x-a': 'y' }],
    [
      'a record without a prototype',
      Object.assign(Object.create(null) as Record<string, string>, { 'x-token': 't', a: 'b' }),
    ],
    ['Headers', new Headers({ 'X-Secret': 's', 'Webhook-Id': 'w' })],
    [
      'pairs',
      [
        ['X-Auth-User', 'u'],
        ['x-a', '1'],
        ['X-A', '2'],
      ] as [string, string][],
    ],
  ])('every other input comes out as normalizing then keeping makes it: %s', (_name, input) => {
    expect(read(input)).toEqual(expected(input));
  });

  test('a record stops being read in one pass at its first upper-case name, after names already kept', () => {
    const input = { 'x-first': '1', authorization: 'a', 'X-Second': '2', 'x-second': '3' };
    expect(read(input)).toEqual(expected(input));
    expect(readHeaders(input).kept['x-second']).toBe('2, 3');
  });

  test("only the record's own names reach either record, even with an enumerable name on Object.prototype", () => {
    const input = { host: 'h', 'x-a': '1' };
    Object.defineProperty(Object.prototype, 'x-planted', {
      value: 'p',
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      const { all, kept } = readHeaders(input);
      expect([Object.keys(all), Object.keys(kept), kept['x-planted']]).toEqual([
        ['host', 'x-a'],
        ['host', 'x-a'],
        undefined,
      ]);
      // A record that needs work is read by its own names too.
      const mixed = readHeaders({ Host: 'h', 'x-a': '1' });
      const names: string[] = [];
      for (const name in mixed.all) names.push(name);
      expect([names, Object.keys(mixed.kept), mixed.all['x-planted']]).toEqual([
        ['host', 'x-a'],
        ['host', 'x-a'],
        undefined,
      ]);
    } finally {
      delete (Object.prototype as Record<string, unknown>)['x-planted'];
    }
  });

  test('a sender that changes the order or the names of its headers is judged name by name', () => {
    // Traits are remembered by position (a sender repeats its names in order): a different name
    // at a position, fewer names or more must never reuse another name's traits.
    const inputs: Record<string, string>[] = [
      { host: 'h', 'x-a': '1', authorization: 'a', 'x-custom-mac': 'm' },
      { authorization: 'a', host: 'h', 'x-custom-mac': 'm', 'x-a': '1' },
      { 'x-custom-mac': 'm', 'x-Upper': 'u', host: 'h' },
      { host: 'h' },
      { host: 'h', 'x-a': '1', authorization: 'a', 'x-custom-mac': 'm', cookie: 'c', 'x-b': '2' },
    ];
    for (let round = 0; round < 2; round++) {
      for (const input of inputs) expect(read(input)).toEqual(expected(input));
    }
  });

  test('the signature headers a scheme names are kept out however they are spelt', () => {
    expect(unnamedCredentials(['webhook-signature', 'X-Custom-Mac', 'x-gitlab-token'])).toEqual(['x-custom-mac']);
    expect(unnamedCredentials(['webhook-signature', 'svix-signature'])).toBeUndefined();
    expect(unnamedCredentials(undefined)).toBeUndefined();
    // A scheme written by hand that lists them wrongly is told so when the receiver is built.
    for (const wrong of ['x-mac', [1], [undefined]]) {
      expect(() => unnamedCredentials(wrong as unknown as string[])).toThrow(/signatureHeaders must be an array/);
    }
  });

  test('names past the remembered thousand are judged as carefully', () => {
    for (let n = 0; n < 1_100; n++) readHeaders({ [`x-filler-${n}`]: 'v' });
    const input = { 'x-late-api-key': 'k', 'x-late-name': 'v', 'X-Late-Upper': 'u', 'x-late-upper': 'w' };
    expect(Object.keys(readHeaders(input).kept)).toEqual(['x-late-name', 'x-late-upper']);
    expect(read(input)).toEqual(expected(input));
  });
});

import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { HookgateError, rawBodyFromParser, readFetchBody, readNodeBody, toFetchHandler } from '@hookgate/core/http';
import { describe, expect, it } from 'vitest';

const EVENTS = ['data', 'end', 'error', 'close', 'readable'] as const;

function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  const req = Object.assign(stream, { headers }) as unknown as IncomingMessage;
  return { stream, req, listenerCounts: () => EVENTS.map((event) => stream.listenerCount(event)) };
}

async function rejection(promise: Promise<unknown>): Promise<HookgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HookgateError);
  return error as HookgateError;
}

describe('readNodeBody', () => {
  it('returns the exact bytes across chunks and removes its listeners', async () => {
    const { stream, req, listenerCounts } = fakeRequest();
    const before = listenerCounts();
    const reading = readNodeBody(req, 100);
    stream.write(Buffer.from([0x7b, 0xc3]));
    stream.write(Buffer.from([0xab, 0x7d]));
    stream.end();
    expect(await reading).toEqual(Buffer.from([0x7b, 0xc3, 0xab, 0x7d]));
    expect(listenerCounts()).toEqual(before);
  });

  it('rejects a Content-Length over the limit without reading anything', async () => {
    const { req } = fakeRequest({ 'content-length': '101' });
    const error = await rejection(readNodeBody(req, 100));
    expect(error.code).toBe('payload_too_large');
    expect(req.readableDidRead).toBe(false);
  });

  it('stops as soon as the stream passes the limit, pauses, and removes its listeners', async () => {
    const { stream, req, listenerCounts } = fakeRequest();
    const before = listenerCounts();
    const reading = readNodeBody(req, 10);
    stream.write(Buffer.alloc(8));
    stream.write(Buffer.alloc(8));
    // No end: the verdict comes while the body is still streaming.
    const error = await rejection(reading);
    expect(error.code).toBe('payload_too_large');
    expect(error.status).toBe(413);
    expect(stream.isPaused()).toBe(true);
    expect(listenerCounts()).toEqual(before);
    stream.destroy();
  });

  it.each(['close', 'error'] as const)('rejects with invalid_body when the client goes away (%s)', async (how) => {
    const { stream, req, listenerCounts } = fakeRequest();
    const before = listenerCounts();
    const reading = readNodeBody(req, 100);
    stream.write('half');
    await new Promise((resolve) => setImmediate(resolve));
    if (how === 'error') stream.destroy(new Error('aborted'));
    else stream.destroy();
    const error = await rejection(reading);
    expect(error.code).toBe('invalid_body');
    expect(listenerCounts()).toEqual(before);
  });

  it('rejects a body slower than bodyTimeoutMs with body_timeout, pauses, and removes its listeners', async () => {
    const { stream, req, listenerCounts } = fakeRequest();
    const before = listenerCounts();
    const reading = readNodeBody(req, 100, { bodyTimeoutMs: 40 });
    stream.write('{');
    const error = await rejection(reading);
    expect(error.code).toBe('body_timeout');
    expect(error.status).toBe(408);
    expect(stream.isPaused()).toBe(true);
    expect(listenerCounts()).toEqual(before);
    stream.destroy();
  });

  it('refuses a bodyTimeoutMs that is not a number of milliseconds', async () => {
    for (const bodyTimeoutMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => readNodeBody(fakeRequest().req, 100, { bodyTimeoutMs })).toThrow(/bodyTimeoutMs/);
    }
  });

  it('rejects a stream someone else already read with body_already_parsed', async () => {
    const { stream, req } = fakeRequest();
    stream.end('{}');
    stream.resume();
    await new Promise((resolve) => stream.once('end', resolve));
    expect((await rejection(readNodeBody(req, 100))).code).toBe('body_already_parsed');
  });
});

describe('readFetchBody', () => {
  const streamed = (chunks: Uint8Array[], onCancel?: () => void, pulls = { count: 0 }) =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[pulls.count++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: () => onCancel?.(),
    });
  const request = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
    new Request('http://localhost/webhooks', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('returns the exact bytes', async () => {
    const body = await readFetchBody(request(streamed([Uint8Array.of(1, 2), Uint8Array.of(3)])), 10);
    expect(body).toEqual(Buffer.from([1, 2, 3]));
  });

  it('rejects a Content-Length over the limit without reading the body', async () => {
    const req = request('x'.repeat(20), { 'content-length': '20' });
    expect((await rejection(readFetchBody(req, 10))).code).toBe('payload_too_large');
    expect(req.bodyUsed).toBe(false);
  });

  it('cancels the stream as soon as it passes the limit', async () => {
    let cancelled = false;
    const pulls = { count: 0 };
    const chunks = Array.from({ length: 100 }, () => new Uint8Array(4));
    const error = await rejection(
      readFetchBody(
        request(
          streamed(
            chunks,
            () => {
              cancelled = true;
            },
            pulls,
          ),
        ),
        10,
      ),
    );
    expect(error.code).toBe('payload_too_large');
    expect(cancelled).toBe(true);
    // Read up to the chunk that passed the limit (plus what the stream queued ahead), not all 100.
    expect(pulls.count).toBeLessThan(10);
  });

  it('rejects a body already read with body_already_parsed', async () => {
    const req = request('{}');
    await req.text();
    expect((await rejection(readFetchBody(req, 10))).code).toBe('body_already_parsed');
  });

  it('rejects a body slower than bodyTimeoutMs with body_timeout and cancels the stream', async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Uint8Array.of(0x7b));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const error = await rejection(readFetchBody(request(stalled), 10, { bodyTimeoutMs: 40 }));
    expect(error.code).toBe('body_timeout');
    expect(cancelled).toBe(true);
  });

  it('rejects a failing stream with invalid_body', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    expect((await rejection(readFetchBody(request(failing), 10))).code).toBe('invalid_body');
  });
});

describe('rawBodyFromParser', () => {
  const mountHint = 'Mount it first.';

  it('uses raw bytes a parser kept, preferring rawBody over body', () => {
    const raw = Buffer.from('{"a":1}');
    expect(rawBodyFromParser({ rawBody: raw, body: { a: 1 }, consumed: true, mountHint })).toBe(raw);
    expect(rawBodyFromParser({ body: raw, consumed: true, mountHint })).toBe(raw);
    expect(rawBodyFromParser({ rawBody: 'Zoë', consumed: true, mountHint })).toEqual(Buffer.from('Zoë', 'utf8'));
    expect(rawBodyFromParser({ body: Uint8Array.of(1, 2), consumed: true, mountHint })).toEqual(Buffer.from([1, 2]));
  });

  it('leaves an unread stream to the adapter, whatever placeholder body a skipped parser left', () => {
    expect(rawBodyFromParser({ body: {}, consumed: false, mountHint })).toBeUndefined();
    expect(rawBodyFromParser({ consumed: false, mountHint })).toBeUndefined();
  });

  it('reports a parsed object without raw bytes as body_already_parsed, with the mounting hint', () => {
    let caught: unknown;
    try {
      rawBodyFromParser({ body: { a: 1 }, consumed: true, mountHint });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HookgateError);
    expect((caught as HookgateError).code).toBe('body_already_parsed');
    expect((caught as HookgateError).status).toBe(500);
    expect((caught as HookgateError).message).toContain(mountHint);
  });
});

describe('toFetchHandler', () => {
  const request = () => new Request('http://localhost/webhooks', { method: 'POST', body: '{}' });

  it('answers 500 internal_error when a hand-made receiver throws', async () => {
    const handler = toFetchHandler({
      maxBodyBytes: 10,
      handle: () => Promise.reject(new Error('boom')),
    });
    const response = await handler(request());
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal_error');
  });

  it('sends no body with a 204', async () => {
    const handler = toFetchHandler({
      maxBodyBytes: 10,
      handle: async () => ({ status: 204, headers: {}, body: '' }),
    });
    const response = await handler(request());
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });
});

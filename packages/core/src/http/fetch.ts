import { emptyBytes } from '../bytes.js';
import { HookgateError } from '../errors.js';
import type { Bytes, ReceiverResponse } from '../types.js';
import { BoundedBuffer, bodyIncomplete, checkDeclaredLength } from './body-limit.js';
import { type AdaptableReceiver, rejectRequest } from './node.js';

/**
 * Reads a Fetch request body, at most `limit` bytes: rejects up front on a
 * Content-Length over the limit, and cancels the stream as soon as it passes it.
 */
export async function readFetchBody(request: Request, limit: number): Promise<Bytes> {
  checkDeclaredLength(request.headers.get('content-length'), limit);
  if (request.bodyUsed) {
    throw new HookgateError(
      'body_already_parsed',
      'The request body was already read (request.json(), request.text()…) before hookgate saw it. Pass the untouched Request to the handler.',
    );
  }
  if (request.body === null) return emptyBytes();
  const reader = request.body.getReader();
  const buffer = new BoundedBuffer(limit);
  try {
    for (;;) {
      const chunk = await reader.read().catch((error: unknown) => {
        throw bodyIncomplete(error);
      });
      if (chunk.done) return buffer.toBuffer();
      buffer.push(chunk.value);
    }
  } catch (error) {
    // Stop the sender's stream: the rest is never read.
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toFetchResponse(response: ReceiverResponse): Response {
  const body = NULL_BODY_STATUSES.has(response.status) ? null : response.body;
  return new Response(body, { status: response.status, headers: response.headers });
}

/** A Fetch API handler for Hono, Next.js route handlers, Bun, Deno and workers. */
export function toFetchHandler(receiver: AdaptableReceiver): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const body = await readFetchBody(request, receiver.maxBodyBytes);
      const { method, url, headers } = request;
      return toFetchResponse(await receiver.handle({ method, url, headers, body }));
    } catch (error) {
      // Reading failed (413, aborted…), or a hand-made AdaptableReceiver threw.
      return toFetchResponse(rejectRequest(receiver, error));
    }
  };
}

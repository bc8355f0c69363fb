import { emptyBytes } from '../bytes.js';
import { HookgateError } from '../errors.js';
import type { Bytes, ReceiverResponse } from '../types.js';
import {
  type BodyReadOptions,
  BoundedBuffer,
  bodyIncomplete,
  bodyTimedOut,
  bodyTimeoutOf,
  checkDeclaredLength,
} from './body-limit.js';
import { type AdaptableReceiver, rejectRequest, reportUnwritable, unwritable, unwritableResponse } from './report.js';

/**
 * Reads a Fetch request body, at most `limit` bytes: rejects up front on a
 * Content-Length over the limit, cancels the stream as soon as it passes it,
 * and rejects with `body_timeout` when it takes longer than `bodyTimeoutMs` (default 30 s).
 */
export async function readFetchBody(request: Request, limit: number, options?: BodyReadOptions): Promise<Bytes> {
  const timeoutMs = bodyTimeoutOf(options);
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
  let timedOut = false;
  // Cancelling ends a pending read at once (done: true); the flag tells that end from a real one.
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          reader.cancel().catch(() => {});
        }, timeoutMs)
      : undefined;
  try {
    for (;;) {
      const chunk = await reader.read().catch((error: unknown) => {
        throw timedOut ? bodyTimedOut(timeoutMs) : bodyIncomplete(error);
      });
      if (timedOut) throw bodyTimedOut(timeoutMs);
      if (chunk.done) return buffer.toBuffer();
      buffer.push(chunk.value);
    }
  } catch (error) {
    // Stop the sender's stream: the rest is never read.
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    reader.releaseLock();
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toFetchResponse(response: ReceiverResponse): Response {
  if (typeof response.body !== 'string') throw unwritable('body', response.body);
  const body = NULL_BODY_STATUSES.has(response.status) ? null : response.body;
  // Throws on a status out of range or a header value with a control character.
  return new Response(body, { status: response.status, headers: response.headers });
}

/** The answer as a Response; one Fetch refuses becomes a 500 internal_error, and onError hears why. */
function answer(receiver: AdaptableReceiver, response: ReceiverResponse): Response {
  try {
    return toFetchResponse(response);
  } catch (cause) {
    reportUnwritable(receiver, cause);
    return toFetchResponse(unwritableResponse());
  }
}

/** A Fetch API handler for Hono, Next.js route handlers, Bun, Deno and workers. */
export function toFetchHandler(
  receiver: AdaptableReceiver,
  options?: BodyReadOptions,
): (request: Request) => Promise<Response> {
  const checked: BodyReadOptions = { bodyTimeoutMs: bodyTimeoutOf(options) };
  return async (request) => {
    let response: ReceiverResponse;
    try {
      const body = await readFetchBody(request, receiver.maxBodyBytes, checked);
      const { method, url, headers } = request;
      response = await receiver.handle({ method, url, headers, body });
    } catch (error) {
      // Reading failed (413, aborted…), or a hand-made AdaptableReceiver threw.
      response = rejectRequest(receiver, error);
    }
    return answer(receiver, response);
  };
}

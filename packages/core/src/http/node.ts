import type { IncomingMessage, ServerResponse } from 'node:http';
import { HookgateError, toHookgateError } from '../errors.js';
import type { Receiver } from '../receiver.js';
import { errorResponse } from '../responses.js';
import type { Bytes, ReceiverResponse } from '../types.js';
import { BoundedBuffer, bodyIncomplete, checkDeclaredLength } from './body-limit.js';
import { type ParsedBodyInput, rawBodyFromParser } from './parsed-body.js';

/**
 * All an adapter needs from a receiver, whatever its event types. `reject`
 * (every receiver has it) records and reports what the adapter refused itself.
 */
export type AdaptableReceiver = Pick<Receiver, 'handle' | 'maxBodyBytes'> &
  Partial<Pick<Receiver, 'reject' | 'reportError'>>;

/** The answer for a failure the adapter met, through the receiver's reporting when it has one. */
export function rejectRequest(receiver: AdaptableReceiver, error: unknown): ReceiverResponse {
  const failure = toHookgateError(error, 'The webhook request failed');
  if (receiver.reject === undefined) return errorResponse(failure);
  try {
    return receiver.reject(failure);
  } catch {
    return errorResponse(failure);
  }
}

/**
 * Reads a Node request body, at most `limit` bytes. Rejects with a
 * HookgateError: `payload_too_large` when Content-Length says so (nothing is
 * read) or as soon as the stream passes the limit (reading stops, the request
 * is paused: the rest is never buffered); `invalid_body` when the client
 * aborts or the body is truncated. Every listener it adds is removed when it settles.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<Bytes> {
  return new Promise<Bytes>((resolve, reject) => {
    try {
      checkDeclaredLength(req.headers['content-length'], limit);
    } catch (error) {
      reject(error);
      return;
    }
    if (req.readableEnded || req.readableDidRead) {
      reject(
        new HookgateError(
          'body_already_parsed',
          'The request body was already read by someone else: hand the request to hookgate before anything reads its body',
        ),
      );
      return;
    }
    const buffer = new BoundedBuffer(limit);
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (error: unknown) => {
      cleanup();
      reject(error);
    };
    function onData(chunk: Buffer | string) {
      try {
        buffer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      } catch (error) {
        req.pause();
        fail(error);
      }
    }
    function onEnd() {
      cleanup();
      resolve(buffer.toBuffer());
    }
    function onError(error: Error) {
      fail(bodyIncomplete(error));
    }
    // 'close' before 'end' means the client went away mid-body.
    function onClose() {
      fail(bodyIncomplete());
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** How long an unread rest may keep arriving after we have answered, before the connection is cut. */
const DISCARD_GRACE_MS = 5_000;

/**
 * After an early answer (413), the rest of the body is read and dropped, not
 * buffered: closing at once with unread data would reset the connection and
 * could lose our answer on the client's side. A sender that keeps streaming
 * past the grace period is cut off.
 */
function discardRest(req: IncomingMessage): void {
  if (req.destroyed) return;
  const timer = setTimeout(() => req.socket?.destroy(), DISCARD_GRACE_MS);
  timer.unref();
  const done = () => {
    clearTimeout(timer);
    req.off('end', done);
    req.off('close', done);
  };
  req.on('end', done);
  req.on('close', done);
  req.resume();
}

/** What a body parser that may have run before the adapter left on the request. */
export type EarlierParser = Omit<ParsedBodyInput, 'consumed'> & {
  /** The framework's own "already read" mark (e.g. body-parser's `req._body`). */
  consumed?: boolean | undefined;
};

/**
 * Takes the raw bytes an earlier parser kept, or reads the body itself; runs
 * the receiver and returns the response to write. Never rejects.
 */
export async function handleNodeRequest(
  receiver: AdaptableReceiver,
  req: IncomingMessage,
  earlier?: EarlierParser,
): Promise<ReceiverResponse> {
  let body: Bytes;
  try {
    const kept =
      earlier &&
      rawBodyFromParser({
        ...earlier,
        consumed: earlier.consumed === true || req.readableDidRead || req.readableEnded,
      });
    body = kept ?? (await readNodeBody(req, receiver.maxBodyBytes));
  } catch (error) {
    if (!req.readableEnded) discardRest(req);
    return rejectRequest(receiver, error);
  }
  try {
    return await receiver.handle({ method: req.method ?? 'GET', url: req.url, headers: req.headers, body });
  } catch (error) {
    // A receiver never throws; a hand-made AdaptableReceiver might.
    return rejectRequest(receiver, error);
  }
}

/** Writes a receiver response, unless the client is already gone. */
export function writeNodeResponse(res: ServerResponse, response: ReceiverResponse): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  // One writeHead with every header: Node then sends head and body in a single write.
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** A `node:http` request listener: `http.createServer(toNodeHandler(receiver))`. */
export function toNodeHandler(receiver: AdaptableReceiver): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handleNodeRequest(receiver, req).then((response) => writeNodeResponse(res, response));
  };
}

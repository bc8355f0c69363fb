import type { IncomingMessage, ServerResponse } from 'node:http';
import { HookgateError } from '../errors.js';
import { type Linkable, LinkedSet } from '../linked-set.js';
import type { ReceiverResponse } from '../types.js';
import {
  type BodyReadOptions,
  bodyIncomplete,
  bodyTimedOut,
  bodyTimeoutOf,
  checkDeclaredLength,
  payloadTooLarge,
} from './body-limit.js';
import { type ParsedBodyInput, rawBodyFromParser } from './parsed-body.js';
import {
  type AdaptableReceiver,
  answerRequest,
  rejectRequest,
  reportUnwritable,
  unwritable,
  unwritableResponse,
} from './report.js';

export { type AdaptableReceiver, rejectRequest } from './report.js';

/** Options of the Node adapters (`toNodeHandler`, Express, Koa, Fastify). */
export type NodeAdapterOptions = BodyReadOptions;

/** Adapter options checked, with their defaults. */
export interface ResolvedAdapterOptions {
  bodyTimeoutMs: number;
}

/** The options checked and with their defaults: call it when the adapter is made, so a wrong value fails at start-up. */
export function resolveAdapterOptions(options?: NodeAdapterOptions): ResolvedAdapterOptions {
  return { bodyTimeoutMs: bodyTimeoutOf(options) };
}

/** A request body stream: an IncomingMessage, or a stream a framework put in its place (Fastify's preParsing). */
export type NodeBodyStream = Pick<
  IncomingMessage,
  'on' | 'off' | 'pause' | 'resume' | 'readableEnded' | 'readableDidRead'
> & { headers?: IncomingMessage['headers'] | undefined };

/**
 * Body reads in progress, each with its deadline. One unref'd timer checks
 * them all, rather than a timer per request (a Timeout object and two calls
 * into libuv each): a bound of 30 s does not need millisecond precision.
 */
interface Deadline extends Linkable<Deadline> {
  at: number;
  expire(): void;
}
const deadlines = new LinkedSet<Deadline>();
let sweeper: ReturnType<typeof setInterval> | undefined;
let sweepEveryMs = Number.POSITIVE_INFINITY;

function sweep(): void {
  const now = Date.now();
  for (const deadline of deadlines.snapshot()) {
    // Not one that settled while this sweep ran (expiring a read can end another): delete says so.
    if (deadline.at <= now && deadlines.delete(deadline)) deadline.expire();
  }
  if (deadlines.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
    sweepEveryMs = Number.POSITIVE_INFINITY;
  }
}

function watch(deadline: Deadline, timeoutMs: number): void {
  deadlines.add(deadline);
  // Checked every quarter of the shortest bound (at most every second): a slow body is cut at most that late.
  const every = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
  if (sweeper !== undefined && every >= sweepEveryMs) return;
  if (sweeper !== undefined) clearInterval(sweeper);
  sweepEveryMs = every;
  sweeper = setInterval(sweep, every);
  sweeper.unref?.();
}

const alreadyRead = () =>
  new HookgateError(
    'body_already_parsed',
    'The request body was already read by someone else: hand the request to hookgate before anything reads its body',
  );

/**
 * Reads a body, calling `done` exactly once. Listeners are plain functions
 * sharing one closure, and every one is removed when it settles.
 */
function readBody(
  req: NodeBodyStream,
  limit: number,
  timeoutMs: number,
  done: (error: HookgateError | undefined, body: Buffer | undefined) => void,
): void {
  try {
    checkDeclaredLength(req.headers?.['content-length'], limit);
  } catch (error) {
    done(error as HookgateError, undefined);
    return;
  }
  if (req.readableEnded || req.readableDidRead) {
    done(alreadyRead(), undefined);
    return;
  }
  // Most bodies arrive as one chunk: keep it as it is, and only gather a list past the first.
  let first: Buffer | undefined;
  let rest: Buffer[] | undefined;
  let received = 0;
  const deadline: Deadline | undefined =
    timeoutMs > 0
      ? {
          at: Date.now() + timeoutMs,
          linkedBefore: undefined,
          linkedAfter: undefined,
          linked: false,
          expire() {
            req.pause();
            settle(bodyTimedOut(timeoutMs), undefined);
          },
        }
      : undefined;
  const settle = (error: HookgateError | undefined, body: Buffer | undefined) => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
    if (deadline !== undefined) deadlines.delete(deadline);
    done(error, body);
  };
  const onData = (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    received += chunk.length;
    if (received > limit) {
      req.pause();
      settle(payloadTooLarge(limit), undefined);
    } else if (first === undefined) {
      first = chunk;
    } else {
      rest ??= [first];
      rest.push(chunk);
    }
  };
  const onEnd = () => settle(undefined, rest ? Buffer.concat(rest, received) : (first ?? Buffer.alloc(0)));
  const onError = (error: Error) => settle(bodyIncomplete(error), undefined);
  // 'close' before 'end' means the client went away mid-body.
  const onClose = () => settle(bodyIncomplete(), undefined);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('close', onClose);
  if (deadline !== undefined) watch(deadline, timeoutMs);
}

/**
 * Reads a Node request body, at most `limit` bytes. Rejects with a
 * HookgateError: `payload_too_large` when Content-Length says so (nothing is
 * read) or as soon as the stream passes the limit (reading stops, the request
 * is paused: the rest is never buffered); `invalid_body` when the client
 * aborts or the body is truncated; `body_timeout` when the body takes longer
 * than `bodyTimeoutMs` (default 30 s). Every listener it adds is removed when it settles.
 */
export function readNodeBody(req: NodeBodyStream, limit: number, options?: BodyReadOptions): Promise<Buffer> {
  const timeoutMs = bodyTimeoutOf(options);
  return new Promise<Buffer>((resolve, reject) =>
    readBody(req, limit, timeoutMs, (error, body) => (error ? reject(error) : resolve(body!))),
  );
}

/**
 * `readNodeBody` for a framework that takes a callback (Fastify's content-type
 * parsers): `done(error)` or `done(null, body)`, exactly once, with no promise in between.
 */
export function readNodeBodyInto(
  req: NodeBodyStream,
  limit: number,
  options: ResolvedAdapterOptions,
  done: (error: HookgateError | null, body?: Buffer) => void,
): void {
  readBody(req, limit, options.bodyTimeoutMs, (error, body) => (error ? done(error) : done(null, body)));
}

/** How long an unread rest may keep arriving after we have answered, before the connection is cut. */
const DISCARD_GRACE_MS = 5_000;

/**
 * After an early answer (413, 408), the rest of the body is read and dropped,
 * not buffered: closing at once with unread data would reset the connection
 * and could lose our answer on the client's side. A sender that keeps
 * streaming past the grace period is cut off.
 */
export function discardRest(req: IncomingMessage): void {
  if (req.destroyed || req.readableEnded) return;
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

function run(
  receiver: AdaptableReceiver,
  req: IncomingMessage,
  body: Buffer,
  answer: (response: ReceiverResponse) => void,
): void {
  answerRequest(receiver, { method: req.method ?? 'GET', url: req.url, headers: req.headers, body }, answer);
}

/** The raw bytes an earlier parser kept (undefined: read the stream); throws body_already_parsed. */
function keptBody(req: IncomingMessage, earlier: EarlierParser | undefined): Buffer | undefined {
  if (earlier === undefined) return undefined;
  return rawBodyFromParser({
    rawBody: earlier.rawBody,
    body: earlier.body,
    mountHint: earlier.mountHint,
    consumed: earlier.consumed === true || req.readableDidRead || req.readableEnded,
  });
}

/**
 * Reads (or takes) the body, runs the receiver and hands the answer to
 * `answer`, exactly once, without a promise: a read is callbacks, and the
 * receiver answers through `handleInto` (at once when it can).
 */
function serve(
  receiver: AdaptableReceiver,
  req: IncomingMessage,
  earlier: EarlierParser | undefined,
  timeoutMs: number,
  answer: (response: ReceiverResponse) => void,
): void {
  let kept: Buffer | undefined;
  try {
    kept = keptBody(req, earlier);
  } catch (error) {
    answer(refuse(receiver, req, error));
    return;
  }
  if (kept !== undefined) {
    run(receiver, req, kept, answer);
    return;
  }
  readBody(req, receiver.maxBodyBytes, timeoutMs, (error, body) => {
    if (error) answer(refuse(receiver, req, error));
    else run(receiver, req, body!, answer);
  });
}

/**
 * Takes the raw bytes an earlier parser kept, or reads the body itself; runs
 * the receiver and returns the response to write. Never rejects.
 */
export function handleNodeRequest(
  receiver: AdaptableReceiver,
  req: IncomingMessage,
  earlier?: EarlierParser,
  options?: NodeAdapterOptions,
): Promise<ReceiverResponse> {
  let timeoutMs: number;
  try {
    timeoutMs = bodyTimeoutOf(options);
  } catch (error) {
    return Promise.resolve(rejectRequest(receiver, error));
  }
  return new Promise((resolve) => serve(receiver, req, earlier, timeoutMs, resolve));
}

/**
 * Serves one request completely: reads the body (or takes what an earlier
 * parser kept), runs the receiver and writes its answer. What
 * `toNodeHandler` and the Express middleware are made of. Never throws or rejects.
 */
export function serveNodeRequest(
  receiver: AdaptableReceiver,
  req: IncomingMessage,
  res: ServerResponse,
  earlier: EarlierParser | undefined,
  options: ResolvedAdapterOptions,
): void {
  serve(receiver, req, earlier, options.bodyTimeoutMs, (response) => writeNodeResponse(res, response, receiver));
}

function refuse(receiver: AdaptableReceiver, req: IncomingMessage, error: unknown): ReceiverResponse {
  discardRest(req);
  return rejectRequest(receiver, error);
}

/**
 * Writes a receiver response in one write (head and body), unless the client
 * is already gone. An answer Node refuses (a status out of range, a header
 * value with a control character, a body that is not a string) never throws:
 * a 500 `internal_error` goes out instead, and the failure reaches the
 * receiver's `onError` (pass the receiver) — as does a write that fails on a dead socket.
 */
export function writeNodeResponse(res: ServerResponse, response: ReceiverResponse, receiver?: AdaptableReceiver): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  const failure = typeof response.body === 'string' ? writeAnswer(res, response) : unwritable('body', response.body);
  if (failure === undefined) return;
  reportUnwritable(receiver, failure);
  if (res.headersSent) res.end();
  else writeAnswer(res, unwritableResponse());
}

/** Head and body in one write; a write that fails later (a dead socket) is handled, never left to crash. */
function writeAnswer(res: ServerResponse, response: ReceiverResponse): unknown {
  try {
    const headers = response.headers;
    // writeHead with every header (content-length included) makes Node send head and body together.
    const names = Object.keys(headers);
    const flat: string[] = new Array(names.length * 2 + 2);
    let i = 0;
    for (const name of names) {
      flat[i++] = name;
      flat[i++] = headers[name]!;
    }
    flat[i++] = 'content-length';
    flat[i] = String(Buffer.byteLength(response.body));
    res.writeHead(response.status, flat);
    res.end(response.body);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A `node:http` request listener: `http.createServer(toNodeHandler(receiver))`. */
export function toNodeHandler(
  receiver: AdaptableReceiver,
  options?: NodeAdapterOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const checked = resolveAdapterOptions(options);
  return (req, res) => serveNodeRequest(receiver, req, res, undefined, checked);
}

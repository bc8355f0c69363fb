import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AdaptableReceiver, toFetchHandler, toNodeHandler } from '@hookgate/core/http';
import { hookgate as expressHookgate } from '@hookgate/express';
import { hookgate as fastifyHookgate } from '@hookgate/fastify';
import { hookgate as koaHookgate } from '@hookgate/koa';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import Koa from 'koa';
import { listenOnLoopback } from '../support/net.js';

/**
 * How the app is mounted:
 * - plain: hookgate alone on POST /webhooks;
 * - parser-kept-raw: a body parser runs first but keeps the raw bytes;
 * - parser-lost-raw: a body parser runs first and keeps only the parsed object.
 */
export type Variant = 'plain' | 'parser-kept-raw' | 'parser-lost-raw';

export interface RunningApp {
  /** Base URL, e.g. http://127.0.0.1:54321 */
  url: string;
  /** Every request the server received, for listener checks. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export interface Target {
  name: string;
  /** Whether a parser mounted first can leave only a parsed object (then: 500 body_already_parsed). */
  parserCanLoseRaw: boolean;
  /** Part of the body_already_parsed message: how to mount it right in this framework. */
  mountHint: string;
  /** Whether other routes keep rejecting content types they have no parser for (Fastify's 415). */
  otherRoutesRejectUnknownTypes: boolean;
  start(receiver: AdaptableReceiver, variant: Variant, options?: AdapterOptions): Promise<RunningApp>;
}

/** What every adapter takes besides the receiver. */
export interface AdapterOptions {
  bodyTimeoutMs?: number;
}

async function listen(server: Server): Promise<RunningApp> {
  const requests: IncomingMessage[] = [];
  server.on('request', (req: IncomingMessage) => requests.push(req));
  const { origin, close } = await listenOnLoopback(server);
  return { url: origin, requests, close };
}

const isJson = (contentType: string | null | undefined) => (contentType ?? '').toLowerCase().includes('json');

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function expressTarget(name: string, express: typeof express5): Target {
  return {
    name,
    parserCanLoseRaw: true,
    mountHint: "app.post('/webhooks', hookgate(receiver)) above app.use(express.json())",
    otherRoutesRejectUnknownTypes: false,
    start(receiver, variant, options) {
      const app = express();
      if (variant === 'parser-lost-raw') app.use(express.json());
      if (variant === 'parser-kept-raw') {
        app.use(
          express.json({
            verify: (req, _res, buf) => {
              (req as unknown as { rawBody?: Buffer }).rawBody = buf;
            },
          }),
        );
      }
      app.post('/webhooks', expressHookgate(receiver, options));
      app.post('/json', express.json(), (req, res) => {
        res.json({ received: req.body as unknown });
      });
      return listen(http.createServer(app));
    },
  };
}

const koaTarget: Target = {
  name: 'koa 3',
  parserCanLoseRaw: true,
  mountHint: 'Mount hookgate before bodyParser()',
  otherRoutesRejectUnknownTypes: false,
  start(receiver, variant, options) {
    const app = new Koa();
    app.silent = true; // Koa logs aborted requests; the scenarios check them instead.
    const router = new Router();
    // @koa/bodyparser keeps ctx.request.rawBody.
    if (variant === 'parser-kept-raw') app.use(bodyParser());
    // A hand-rolled JSON parser that keeps only the parsed object.
    if (variant === 'parser-lost-raw') {
      app.use(async (ctx, next) => {
        if (!isJson(ctx.get('content-type'))) return next();
        const text = (await readAll(ctx.req)).toString('utf8');
        ctx.request.body = text === '' ? {} : (JSON.parse(text) as unknown);
        await next();
      });
    }
    router.post('/webhooks', koaHookgate(receiver, options));
    router.post('/json', bodyParser(), (ctx) => {
      ctx.body = { received: ctx.request.body };
    });
    app.use(router.routes());
    return listen(http.createServer(app.callback()));
  },
};

function fastifyTarget(name: string, mount: 'prefix' | 'path'): Target {
  return {
    name,
    parserCanLoseRaw: false,
    mountHint: '',
    otherRoutesRejectUnknownTypes: true,
    async start(receiver, variant, options) {
      const app = Fastify();
      if (variant !== 'plain') {
        // An app-wide JSON parser of the app's own: the webhook route must not see it.
        app.removeContentTypeParser('application/json');
        app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
          try {
            done(null, JSON.parse(body as string) as unknown);
          } catch (error) {
            done(error as Error);
          }
        });
      }
      app.post('/json', async (request) => ({ received: request.body }));
      if (mount === 'prefix') await app.register(fastifyHookgate, { ...options, receiver, prefix: '/webhooks' });
      else await app.register(fastifyHookgate, { ...options, receiver, path: '/webhooks' });
      await app.ready();
      const running = await listen(app.server);
      return { ...running, close: () => app.close() };
    },
  };
}

const nodeTarget: Target = {
  name: 'node:http',
  parserCanLoseRaw: true,
  mountHint: 'already read',
  otherRoutesRejectUnknownTypes: false,
  start(receiver, variant, options) {
    const webhook = toNodeHandler(receiver, options);
    return listen(
      http.createServer(async (req, res) => {
        if (req.url === '/json') {
          sendJson(res, 200, { received: JSON.parse((await readAll(req)).toString('utf8')) as unknown });
          return;
        }
        // A JSON parser read the stream before the handler.
        if (variant === 'parser-lost-raw' && isJson(req.headers['content-type'])) await readAll(req);
        webhook(req, res);
      }),
    );
  },
};

/** A minimal node:http → Fetch bridge, like @hono/node-server's: the body streams, with backpressure. */
function toRequest(req: IncomingMessage, base: string): Request {
  let settle = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const onData = (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      };
      const onEnd = () => {
        settle();
        controller.close();
      };
      const onClose = () => {
        settle();
        controller.error(new Error('The client went away'));
      };
      settle = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('close', onClose);
    },
    pull() {
      req.resume();
    },
    cancel() {
      // Drop the rest without buffering it.
      settle();
      req.resume();
    },
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', base), {
    method,
    headers,
    ...(hasBody ? { body, duplex: 'half' } : {}),
  } as RequestInit);
}

const fetchTarget: Target = {
  name: 'fetch handler',
  parserCanLoseRaw: true,
  mountHint: 'Pass the untouched Request',
  otherRoutesRejectUnknownTypes: false,
  async start(receiver, variant, options) {
    const webhook = toFetchHandler(receiver, options);
    const handle = async (request: Request): Promise<Response> => {
      const { pathname } = new URL(request.url);
      if (pathname === '/json') return Response.json({ received: (await request.json()) as unknown });
      if (variant === 'parser-lost-raw' && isJson(request.headers.get('content-type'))) await request.json();
      return webhook(request);
    };
    let base = '';
    const running = await listen(
      http.createServer(async (req, res) => {
        const response = await handle(toRequest(req, base));
        if (res.destroyed) return;
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      }),
    );
    base = running.url;
    return running;
  },
};

export const targets: Target[] = [
  expressTarget('express 4', express4),
  expressTarget('express 5', express5),
  fastifyTarget('fastify 5 (prefix)', 'prefix'),
  fastifyTarget('fastify 5 (path)', 'path'),
  koaTarget,
  nodeTarget,
  fetchTarget,
];

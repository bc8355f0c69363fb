/**
 * The HTTP rows: each builds one server (not yet listening) in the child
 * process. Adding a row is one entry here; its comparisons live in HTTP_ROWS.
 *
 * Each framework has a hand-written floor: the same minimal Standard Webhooks
 * receiver (`minimalReceiver`, written once) mounted the way a user of that
 * framework would mount it. Each adapter is judged against its own
 * framework's floor, so the framework's own cost cancels out of the ratio.
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { createReceiver, github, type Receiver, standardWebhooks } from '@hookgate/core';
import { toNodeHandler } from '@hookgate/core/http';
import { hookgate as expressHookgate } from '@hookgate/express';
import { hookgate as fastifyHookgate } from '@hookgate/fastify';
import { hookgate as koaHookgate } from '@hookgate/koa';
import Router from '@koa/router';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { EVENT_TYPE, GITHUB_SECRET, GITHUB_TYPE, SW_KEY, SW_SECRET } from './fixtures.js';

export const WEBHOOK_PATH = '/api/github/webhooks';

/** What the load generator sends: Standard Webhooks (fresh id, timestamp and signature) or GitHub (fresh delivery id). */
export type DeliveryKind = 'standard-webhooks' | 'github';

export interface HttpCompare {
  row: string;
  /** Target: this row's req/s at least `min`× the other's. */
  min?: number;
  /** Target: this row's server CPU per request at most `maxCost`× the other's. */
  maxCost?: number;
  /**
   * Target: the other row's server CPU per request at least `minOtherCost`× this row's: a target
   * stated that way round ("octokit uses ≥ 1.15× less... "), judged as that ratio is printed.
   */
  minOtherCost?: number;
}

export interface HttpRow {
  id: string;
  label: string;
  delivery: DeliveryKind;
  /** Rows this one is compared with (its framework's floor, octokit); a compare without a bound is printed, not judged. */
  compare?: readonly HttpCompare[];
}

export const HTTP_ROWS: readonly HttpRow[] = [
  { id: 'node-bare', label: 'node:http bare (raw body, 204)', delivery: 'standard-webhooks' },
  { id: 'node-floor', label: 'node:http, minimal receiver by hand', delivery: 'standard-webhooks' },
  {
    id: 'hookgate-node',
    label: 'hookgate toNodeHandler',
    delivery: 'standard-webhooks',
    compare: [{ row: 'node-floor', maxCost: 1.1 }, { row: 'node-bare' }],
  },
  // Informational: receiver.handle between the floor's own body read and write, to tell the I/O
  // layer's cost (toNodeHandler over this row) from the core's (this row over the floor).
  {
    id: 'hookgate-node-by-hand',
    label: 'receiver.handle, body read and written by hand',
    delivery: 'standard-webhooks',
    compare: [{ row: 'node-floor' }],
  },
  // Informational: the same server without dedupe, to tell what the default MemoryStore costs over HTTP
  // (claim and complete, a 100,000-id bound with eviction) from the rest of the pipeline.
  {
    id: 'hookgate-node-no-dedupe',
    label: 'hookgate toNodeHandler, dedupe off',
    delivery: 'standard-webhooks',
    compare: [{ row: 'node-floor' }, { row: 'hookgate-node' }],
  },
  { id: 'octokit', label: '@octokit/webhooks createNodeMiddleware', delivery: 'github' },
  {
    id: 'hookgate-node-github',
    label: 'hookgate toNodeHandler, github scheme',
    delivery: 'github',
    // Issue 16: hookgate on node:http uses ≥ 1.15× less CPU per request than octokit's middleware.
    compare: [{ row: 'octokit', minOtherCost: 1.15 }],
  },
  { id: 'express-floor', label: 'Express 5, minimal receiver (express.raw)', delivery: 'standard-webhooks' },
  {
    id: 'hookgate-express',
    label: '@hookgate/express',
    delivery: 'standard-webhooks',
    compare: [{ row: 'express-floor', maxCost: 1.1 }],
  },
  { id: 'fastify-floor', label: 'Fastify 5, minimal receiver (buffer parser)', delivery: 'standard-webhooks' },
  {
    id: 'hookgate-fastify',
    label: '@hookgate/fastify',
    delivery: 'standard-webhooks',
    compare: [{ row: 'fastify-floor', maxCost: 1.1 }],
  },
  { id: 'koa-floor', label: 'Koa 3 + @koa/router, minimal receiver', delivery: 'standard-webhooks' },
  {
    id: 'hookgate-koa',
    label: '@hookgate/koa (+ @koa/router)',
    delivery: 'standard-webhooks',
    compare: [{ row: 'koa-floor', maxCost: 1.1 }],
  },
];

export interface Answer {
  status: number;
  body: string;
}

const PROCESSED: Answer = { status: 200, body: '{"status":"processed"}' };
const DUPLICATE: Answer = { status: 200, body: '{"status":"duplicate"}' };
const FORGED: Answer = { status: 401, body: '{"error":"invalid_signature"}' };
const TOLERANCE_SEC = 300;

/**
 * The floor: what any Standard Webhooks receiver must do and nothing more —
 * timestamp window, HMAC-SHA256 over `id.timestamp.body`, a constant-time
 * compare, JSON.parse, a Map of seen ids. No error types, no records, no limits.
 */
export function minimalReceiver(): (headers: IncomingHttpHeaders, body: Buffer) => Answer {
  const key = createSecretKey(SW_KEY);
  const seen = new Map<string, number>();
  return (headers, body) => {
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return FORGED;
    const now = Math.floor(Date.now() / 1000);
    if (!(Math.abs(now - Number(timestamp)) <= TOLERANCE_SEC)) return FORGED;
    const digest = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    const presented = Buffer.from(signature.slice(signature.indexOf(',') + 1), 'base64');
    if (presented.length !== digest.length || !timingSafeEqual(presented, digest)) return FORGED;
    JSON.parse(body.toString('utf8'));
    if (seen.has(id)) return DUPLICATE;
    seen.set(id, now);
    return PROCESSED;
  };
}

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

const readBodyAsync = (req: IncomingMessage) => new Promise<Buffer>((resolve) => readBody(req, resolve));

function swReceiver(options: { dedupe?: false } = {}): Receiver {
  return createReceiver({ scheme: standardWebhooks({ secret: SW_SECRET }), ...options }).on(EVENT_TYPE, () => {});
}

function githubReceiver(): Receiver {
  return createReceiver({ scheme: github({ secret: GITHUB_SECRET }) }).on(GITHUB_TYPE, () => {});
}

const JSON_TYPE = { 'content-type': 'application/json' };

export const SERVER_FACTORIES: Record<string, () => Server | Promise<Server>> = {
  'node-bare': () =>
    createServer((req, res) => {
      readBody(req, () => {
        res.statusCode = 204;
        res.end();
      });
    }),

  'node-floor': () => {
    const receive = minimalReceiver();
    return createServer((req, res) => {
      readBody(req, (body) => {
        const answer = receive(req.headers, body);
        res.writeHead(answer.status, JSON_TYPE);
        res.end(answer.body);
      });
    });
  },

  'hookgate-node': () => createServer(toNodeHandler(swReceiver())),

  'hookgate-node-by-hand': () => {
    const receiver = swReceiver();
    return createServer((req, res) => {
      readBody(req, (body) => {
        receiver.handle({ method: req.method ?? 'GET', url: req.url, headers: req.headers, body }).then((answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        });
      });
    });
  },

  'hookgate-node-no-dedupe': () => createServer(toNodeHandler(swReceiver({ dedupe: false }))),

  octokit: () => {
    const webhooks = new Webhooks({ secret: GITHUB_SECRET });
    webhooks.on(GITHUB_TYPE, () => {});
    return createServer(createNodeMiddleware(webhooks, { path: WEBHOOK_PATH }));
  },

  'hookgate-node-github': () => createServer(toNodeHandler(githubReceiver())),

  'express-floor': () => {
    const receive = minimalReceiver();
    const app = express();
    app.post(WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
      const answer = receive(req.headers, req.body as Buffer);
      res.status(answer.status).set(JSON_TYPE).send(answer.body);
    });
    return createServer(app);
  },

  'hookgate-express': () => {
    const app = express();
    app.post(WEBHOOK_PATH, expressHookgate(swReceiver()));
    return createServer(app);
  },

  'fastify-floor': async () => {
    const receive = minimalReceiver();
    const app = Fastify();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post(WEBHOOK_PATH, (request, reply) => {
      const answer = receive(request.headers, request.body as Buffer);
      reply.code(answer.status).headers(JSON_TYPE).send(answer.body);
    });
    await app.ready();
    return app.server;
  },

  'hookgate-fastify': async () => {
    const app = Fastify();
    await app.register(fastifyHookgate, { receiver: swReceiver(), prefix: WEBHOOK_PATH });
    await app.ready();
    return app.server;
  },

  'koa-floor': () => {
    const receive = minimalReceiver();
    const app = new Koa();
    const router = new Router();
    router.post(WEBHOOK_PATH, async (ctx) => {
      const answer = receive(ctx.req.headers, await readBodyAsync(ctx.req));
      ctx.status = answer.status;
      ctx.type = 'application/json';
      ctx.body = answer.body;
    });
    app.use(router.routes());
    return createServer(app.callback());
  },

  'hookgate-koa': () => {
    const app = new Koa();
    const router = new Router();
    router.post(WEBHOOK_PATH, koaHookgate(swReceiver()));
    app.use(router.routes());
    return createServer(app.callback());
  },
};

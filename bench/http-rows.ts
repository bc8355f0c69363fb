/**
 * The HTTP rows: each builds one server (not yet listening) in the child
 * process. Adding a row is one entry here; its comparisons live in HTTP_ROWS.
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReceiver, github, type Receiver, type ReceiverResponse, toNodeHandler } from '@hookgate/core';
import { hookgate as expressHookgate } from '@hookgate/express';
import fastifyHookgate from '@hookgate/fastify';
import { hookgate as koaHookgate } from '@hookgate/koa';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { GITHUB_SECRET, GITHUB_TYPE } from './fixtures.js';

export const WEBHOOK_PATH = '/api/github/webhooks';

export interface HttpRow {
  id: string;
  label: string;
  /** Rows this one is compared with (its bare framework, octokit), and the target ratio of req/s if there is one. */
  compare?: readonly { row: string; min?: number }[];
}

export const HTTP_ROWS: readonly HttpRow[] = [
  { id: 'node-bare', label: 'node:http bare (raw body, 204)' },
  // Informational: what answering like a receiver (200 + a small JSON body) costs node:http itself.
  { id: 'node-bare-200', label: 'node:http bare (raw body, 200 + JSON body)' },
  // The HTTP floor, as "limit + JSON.parse" is for verification: the work any receiver must do
  // (HMAC, constant-time compare, JSON.parse), written by hand, answering as a receiver does.
  { id: 'node-floor', label: 'node:http + HMAC + JSON.parse by hand', compare: [{ row: 'node-bare' }] },
  { id: 'octokit', label: '@octokit/webhooks createNodeMiddleware', compare: [{ row: 'node-floor' }] },
  {
    id: 'hookgate-node',
    label: 'hookgate receiver.handle on node:http',
    compare: [{ row: 'node-bare', min: 0.85 }, { row: 'octokit', min: 1.5 }, { row: 'node-floor' }],
  },
  {
    id: 'hookgate-node-handler',
    label: 'hookgate toNodeHandler (core)',
    compare: [{ row: 'node-bare', min: 0.85 }, { row: 'octokit', min: 1.5 }, { row: 'node-floor' }],
  },
  { id: 'express-bare', label: 'Express 5 bare (express.raw, 204)' },
  { id: 'hookgate-express', label: '@hookgate/express', compare: [{ row: 'express-bare', min: 0.9 }] },
  { id: 'fastify-bare', label: 'Fastify 5 bare (buffer parser, 204)' },
  { id: 'hookgate-fastify', label: '@hookgate/fastify', compare: [{ row: 'fastify-bare', min: 0.85 }] },
  { id: 'koa-bare', label: 'Koa 3 bare (raw body, 204)' },
  { id: 'hookgate-koa', label: '@hookgate/koa', compare: [{ row: 'koa-bare', min: 0.85 }] },
];

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

function githubReceiver(): Receiver {
  return createReceiver({ scheme: github({ secret: GITHUB_SECRET }) }).on(GITHUB_TYPE, () => {});
}

function write(res: ServerResponse, answer: ReceiverResponse): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

const PROCESSED: ReceiverResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"processed"}',
};

export const SERVER_FACTORIES: Record<string, () => Server | Promise<Server>> = {
  'node-bare': () =>
    createServer((req, res) => {
      readBody(req, () => {
        res.statusCode = 204;
        res.end();
      });
    }),

  'node-bare-200': () =>
    createServer((req, res) => {
      readBody(req, () => write(res, PROCESSED));
    }),

  'node-floor': () => {
    const key = createSecretKey(Buffer.from(GITHUB_SECRET));
    return createServer((req, res) => {
      readBody(req, (body) => {
        const presented = Buffer.from(String(req.headers['x-hub-signature-256']).slice('sha256='.length), 'hex');
        const digest = createHmac('sha256', key).update(body).digest();
        if (presented.length !== digest.length || !timingSafeEqual(presented, digest)) {
          res.statusCode = 401;
          res.end();
          return;
        }
        JSON.parse(body.toString('utf8'));
        write(res, PROCESSED);
      });
    });
  },

  octokit: () => {
    const webhooks = new Webhooks({ secret: GITHUB_SECRET });
    webhooks.on(GITHUB_TYPE, () => {});
    return createServer(createNodeMiddleware(webhooks, { path: WEBHOOK_PATH }));
  },

  'hookgate-node-handler': () => createServer(toNodeHandler(githubReceiver())),

  'express-bare': () => {
    const app = express();
    app.post(WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
      res.status(204).end();
    });
    return createServer(app);
  },

  'hookgate-express': () => {
    const app = express();
    app.post(WEBHOOK_PATH, expressHookgate(githubReceiver()));
    return createServer(app);
  },

  'fastify-bare': async () => {
    const app = Fastify();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post(WEBHOOK_PATH, (_request, reply) => reply.code(204).send());
    await app.ready();
    return app.server;
  },

  'hookgate-fastify': async () => {
    const app = Fastify();
    await app.register(fastifyHookgate, { path: WEBHOOK_PATH, receiver: githubReceiver() });
    await app.ready();
    return app.server;
  },

  'koa-bare': () => {
    const app = new Koa();
    app.use(async (ctx) => {
      await new Promise<void>((resolve) => readBody(ctx.req, () => resolve()));
      ctx.status = 204;
    });
    return createServer(app.callback());
  },

  'hookgate-koa': () => {
    const app = new Koa();
    app.use(koaHookgate(githubReceiver()));
    return createServer(app.callback());
  },

  // What a node:http user would write by hand, for comparison with toNodeHandler.
  'hookgate-node': () => {
    const receiver = githubReceiver();
    return createServer((req, res) => {
      readBody(req, (body) => {
        receiver
          .handle({ method: req.method ?? 'GET', url: req.url, headers: req.headers, body })
          .then((answer) => write(res, answer));
      });
    });
  },
};

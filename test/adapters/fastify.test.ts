import { createReceiver, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { hookgate } from '@hookgate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'whsec_c2VjcmV0LWZvci10aGUtZmFzdGlmeS1zdWl0ZQ==';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function receiver(seen: string[] = []) {
  return createReceiver({ scheme: standardWebhooks({ secret: SECRET }) }).onAny((_event, ctx) => {
    seen.push(ctx.id ?? '');
  });
}

let base = '';

/** Real HTTP: the app listens on a free port once its routes are registered. */
async function request(path: string, headers: Record<string, string>, body: string) {
  if (!app!.server.listening) base = await app!.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  return { statusCode: response.status, json: async () => (await response.json()) as unknown };
}

async function deliver(path: string, id = `msg_${Math.random().toString(36).slice(2)}`) {
  const body = `{"type":"invoice.paid","id":"${id}"}`;
  const headers = { 'content-type': 'application/json', ...signStandardWebhooks({ secret: SECRET, body, id }) };
  return request(path, headers, body);
}

describe('@hookgate/fastify: one encapsulated plugin', () => {
  it('lives at the prefix it is registered with, also inside a prefixed scope', async () => {
    app = Fastify();
    const seen: string[] = [];
    await app.register(
      async (api) => {
        await api.register(hookgate, { receiver: receiver(seen), prefix: '/hooks' });
      },
      { prefix: '/api' },
    );
    expect((await deliver('/api/hooks', 'msg_1')).statusCode).toBe(200);
    expect(seen).toEqual(['msg_1']);
    expect((await deliver('/hooks')).statusCode).toBe(404);
    expect((await deliver('/')).statusCode).toBe(404);
  });

  it('puts `path` under the prefix', async () => {
    app = Fastify();
    await app.register(hookgate, { receiver: receiver(), prefix: '/webhooks', path: '/stripe' });
    expect((await deliver('/webhooks/stripe')).statusCode).toBe(200);
    expect((await deliver('/webhooks')).statusCode).toBe(404);
  });

  it('keeps its raw-body parser to itself: routes beside it and in the parent scope keep JSON parsing', async () => {
    app = Fastify();
    app.post('/before', async (request) => ({ received: request.body }));
    await app.register(hookgate, { receiver: receiver(), prefix: '/webhooks' });
    app.post('/after', async (request) => ({ received: request.body }));
    for (const route of ['/before', '/after']) {
      const json = await request(route, { 'content-type': 'application/json' }, '{"a":[1,"ë"]}');
      expect(await json.json()).toEqual({ received: { a: [1, 'ë'] } });
      const unknown = await request(route, { 'content-type': 'application/x-custom' }, 'x');
      expect(unknown.statusCode).toBe(415);
    }
    expect((await deliver('/webhooks')).statusCode).toBe(200);
  });

  it('refuses to register without a receiver, saying how', async () => {
    app = Fastify();
    // @ts-expect-error: the receiver is required
    app.register(hookgate, { prefix: '/webhooks' });
    await expect(app.ready()).rejects.toThrow(/needs a receiver/);
  });

  it('refuses a bodyTimeoutMs that is not a number of milliseconds', async () => {
    app = Fastify();
    app.register(hookgate, { receiver: receiver(), bodyTimeoutMs: -1 });
    await expect(app.ready()).rejects.toThrow(/bodyTimeoutMs/);
  });
});

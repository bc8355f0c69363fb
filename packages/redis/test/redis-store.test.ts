import { randomUUID } from 'node:crypto';
import { createReceiver, type DedupeStore, type HookgateError, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { DEFAULT_PREFIX, RedisStore, RedisStoreError } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  startSilentServer,
  startThrowawayRedis,
  type ThrowawayRedis,
} from './redis-server.js';

const SECRET = `whsec_${Buffer.from('hookgate-redis-test-secret').toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A receiver over `store` that counts what its handler processed. */
function receiverOver(store: DedupeStore, options: { failOpen?: boolean } = {}) {
  const processed: string[] = [];
  const errors: HookgateError[] = [];
  const receiver = createReceiver({
    scheme: standardWebhooks({ secret: SECRET }),
    dedupe: { store, failOpen: options.failOpen ?? false },
  })
    .onAny((_event, ctx) => {
      processed.push(ctx.id ?? '');
    })
    .onError((error) => errors.push(error));
  const deliver = (id = `msg_${randomUUID()}`) => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id } });
    return receiver.handle({
      method: 'POST',
      url: '/hooks',
      headers: signStandardWebhooks({ secret: SECRET, body, id }),
      body,
    });
  };
  return { receiver, deliver, processed, errors };
}

/** Wraps a client's commands to count round trips and see what was sent. */
function counting(redis: Redis) {
  const sent: string[][] = [];
  const sendCommand = ([command, ...args]: string[]) => {
    sent.push([command ?? '', ...args]);
    return redis.call(command ?? '', args);
  };
  return { sent, sendCommand };
}

describe('RedisStore options', () => {
  test('refuses a missing client, both client and sendCommand, or a bad timeout', () => {
    const sendCommand = async () => null;
    expect(() => new RedisStore({} as never)).toThrow(/client.*sendCommand/);
    expect(() => new RedisStore({ sendCommand, client: {} } as never)).toThrow(/either/);
    expect(() => new RedisStore({ client: { ping() {} } } as never)).toThrow(/ioredis.*node-redis/);
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    expect(() => new RedisStore({ client: cluster as never })).toThrow(
      /cluster\.sendCommand\(args\[3\], false, args\)/,
    );
    expect(() => new RedisStore({ sendCommand, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore({ sendCommand, commandTimeoutMs: Number.NaN })).toThrow(/commandTimeoutMs/);
    expect(new RedisStore({ sendCommand }).prefix).toBe(DEFAULT_PREFIX);
    expect(new RedisStore({ sendCommand }).commandTimeoutMs).toBe(1000);
  });

  test('a failing sendCommand becomes a RedisStoreError that names the failure, not the key or token', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const store = new RedisStore({
      sendCommand: async () => {
        throw cause;
      },
    });
    const error = await store.release('secret-delivery-id', 'secret-token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect(error).toMatchObject({ operation: 'release', reason: 'error', cause });
    expect((error as Error).message).toBe('RedisStore release: Redis failed (ECONNREFUSED)');
  });

  test('a reply of the wrong shape is an error, not a claim', async () => {
    const store = new RedisStore({ sendCommand: async () => 'OK' });
    await expect(store.claim('k', 1000)).rejects.toMatchObject({ reason: 'unexpected-reply' });
  });
});

describe('RedisStore when Redis hangs (a TCP server that never answers)', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let client: Redis;
  beforeAll(async () => {
    silent = await startSilentServer();
    client = new Redis({ host: REDIS_HOST, port: silent.port, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
  });
  afterAll(async () => {
    client.disconnect();
    await silent.close();
  });

  test('every operation throws a timeout error instead of hanging', async () => {
    const store = new RedisStore({ client, commandTimeoutMs: 150 });
    const started = Date.now();
    const results = await Promise.allSettled([
      store.claim('k', 1000),
      store.complete('k', 't', 1000),
      store.release('k', 't'),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(RedisStoreError);
        expect(result.reason).toMatchObject({ reason: 'timeout' });
        expect((result.reason as Error).message).toMatch(/did not answer within 150 ms/);
      }
    }
  });

  test('fail-closed (the default): the receiver answers 503 with Retry-After and runs no handler', async () => {
    const { deliver, processed, errors } = receiverOver(new RedisStore({ client, commandTimeoutMs: 150 }));
    const response = await deliver();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'store_unavailable', message: 'The dedupe store is unavailable (timed out)' },
    });
    expect(response.body).not.toContain(SECRET);
    expect(processed).toEqual([]);
    expect(errors[0]?.cause).toBeInstanceOf(RedisStoreError);
  });

  test('fail-open: the receiver processes the delivery without dedupe', async () => {
    const { deliver, processed } = receiverOver(new RedisStore({ client, commandTimeoutMs: 150 }), {
      failOpen: true,
    });
    const response = await deliver('msg_open');
    expect(response.status).toBe(200);
    expect(processed).toEqual(['msg_open']);
  });

  test('a sendCommand that never settles is bounded too', async () => {
    const store = new RedisStore({ sendCommand: () => new Promise(() => {}), commandTimeoutMs: 100 });
    await expect(store.claim('k', 1000)).rejects.toMatchObject({ reason: 'timeout', operation: 'claim' });
  });
});

describeWithRedis('RedisStore on the shared Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  });
  afterAll(() => redis.quit());

  test('key layout: <prefix>dedupe:{<key>}, a claim holds c:<token> for its lease, done holds d for the window', async () => {
    const prefix = `test:layout:${randomUUID()}:`;
    const store = new RedisStore({ client: redis, prefix });
    const key = 'stripe:evt_{1}';
    const redisKey = `${prefix}dedupe:{${key}}`;
    const claim = await store.claim(key, 30_000);
    expect(claim.status).toBe('claimed');
    if (claim.status !== 'claimed') return;
    expect(await redis.get(redisKey)).toBe(`c:${claim.token}`);
    const leaseLeft = await redis.pttl(redisKey);
    expect(leaseLeft).toBeGreaterThan(25_000);
    expect(leaseLeft).toBeLessThanOrEqual(30_000);
    const second = await store.claim(key, 30_000);
    expect(second.status).toBe('in-flight');
    if (second.status === 'in-flight') expect(second.retryAfterMs).toBeGreaterThan(25_000);
    expect(await store.complete(key, claim.token, 120_000)).toBe(true);
    expect(await redis.get(redisKey)).toBe('d');
    expect(await redis.pttl(redisKey)).toBeGreaterThan(115_000);
    expect(await redis.keys(`${prefix}*`)).toEqual([redisKey]);
  });

  test('one round trip per operation, once the scripts are cached', async () => {
    const { sent, sendCommand } = counting(redis);
    const store = new RedisStore({ sendCommand, prefix: `test:trips:${randomUUID()}:` });
    await store.release('warm', 'x'); // may reload a script the server forgot
    await store.claim('warm', 1000);
    await store.complete('warm', 'x', 1000);
    sent.length = 0;
    const claim = await store.claim('k', 10_000);
    const inFlight = await store.claim('k', 10_000);
    if (claim.status !== 'claimed') throw new Error('claim failed');
    await store.complete('k', claim.token, 10_000);
    const done = await store.claim('k', 10_000);
    await store.release('k', claim.token);
    expect([inFlight.status, done.status]).toEqual(['in-flight', 'done']);
    expect(sent.map((args) => args[0])).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
  });

  test('through the receiver: processed once, a copy in flight gets 409 with the lease left as Retry-After, then duplicate', async () => {
    const store = new RedisStore({ client: redis, prefix: `test:receiver:${randomUUID()}:` });
    const { deliver, processed } = receiverOver(store);
    const id = `msg_${randomUUID()}`;
    const held = await store.claim(`standard-webhooks:${id}`, 20_000); // another replica is processing it
    if (held.status !== 'claimed') throw new Error('claim failed');
    const copy = await deliver(id);
    expect(copy.status).toBe(409);
    expect(Number(copy.headers['retry-after'])).toBeGreaterThanOrEqual(19);
    expect(Number(copy.headers['retry-after'])).toBeLessThanOrEqual(20);
    await store.release(`standard-webhooks:${id}`, held.token); // that replica's handler failed
    expect(JSON.parse((await deliver(id)).body)).toEqual({ status: 'processed' });
    expect(JSON.parse((await deliver(id)).body)).toEqual({ status: 'duplicate' });
    expect(processed).toEqual([id]);
  });

  test('the default prefix is hookgate:', async () => {
    const store = new RedisStore({ client: redis });
    const key = `test:default-prefix:${randomUUID()}`;
    const claim = await store.claim(key, 5_000);
    expect(await redis.exists(`hookgate:dedupe:{${key}}`)).toBe(1);
    if (claim.status === 'claimed') await store.release(key, claim.token);
    expect(await redis.exists(`hookgate:dedupe:{${key}}`)).toBe(0);
  });
});

describeWithRedis(
  'RedisStore on a throwaway Redis (flushed, frozen, stopped)',
  () => {
    let server: ThrowawayRedis;
    beforeAll(async () => {
      server = await startThrowawayRedis({ persistent: true });
    }, 20_000);
    afterAll(() => server?.dispose());

    test('NOSCRIPT: after SCRIPT FLUSH every operation still works (ioredis, node-redis, sendCommand)', async () => {
      const ioredis = new Redis({ port: server.port, host: REDIS_HOST });
      const nodeRedis = createClient({ url: server.url });
      await nodeRedis.connect();
      try {
        const { sent, sendCommand } = counting(ioredis);
        const stores = [
          new RedisStore({ client: ioredis }),
          new RedisStore({ client: nodeRedis }),
          new RedisStore({ sendCommand }),
        ];
        for (const store of stores) {
          const key = randomUUID();
          await ioredis.call('SCRIPT', ['FLUSH']);
          const first = await store.claim(key, 10_000);
          expect(first.status).toBe('claimed');
          if (first.status !== 'claimed') return;
          await ioredis.call('SCRIPT', ['FLUSH']);
          expect(await store.complete(key, first.token, 10_000)).toBe(true);
          await ioredis.call('SCRIPT', ['FLUSH']);
          expect((await store.claim(key, 10_000)).status).toBe('done');
          await ioredis.call('SCRIPT', ['FLUSH']);
          expect(await store.release(key, first.token)).toBe(false);
        }
        // EVALSHA answered NOSCRIPT, EVAL ran the script and cached it: the next call is one EVALSHA again.
        await ioredis.call('SCRIPT', ['FLUSH']);
        sent.length = 0;
        await stores[2]?.claim(randomUUID(), 10_000);
        expect(sent.map((args) => args[0])).toEqual(['EVALSHA', 'EVAL']);
        sent.length = 0;
        await stores[2]?.claim(randomUUID(), 10_000);
        expect(sent.map((args) => args[0])).toEqual(['EVALSHA']);
      } finally {
        ioredis.disconnect();
        await nodeRedis.close();
      }
    });

    test('a claim that answers after its timeout is given back, so the retry is not blocked for a lease', async () => {
      const client = new Redis({ port: server.port, host: REDIS_HOST });
      try {
        const store = new RedisStore({ client, commandTimeoutMs: 200 });
        const key = randomUUID();
        await store.claim('warm-up', 1000);
        server.freeze();
        const error = await store.claim(key, 60_000).catch((e: unknown) => e);
        server.thaw();
        expect(error).toMatchObject({ reason: 'timeout', operation: 'claim' });
        let retry = await store.claim(key, 60_000);
        for (let i = 0; i < 20 && retry.status === 'in-flight'; i++) {
          await sleep(50);
          retry = await store.claim(key, 60_000);
        }
        expect(retry.status).toBe('claimed');
      } finally {
        server.thaw();
        client.disconnect();
      }
    });

    test('a complete that answers after its timeout still marks the delivery done', async () => {
      const client = new Redis({ port: server.port, host: REDIS_HOST });
      try {
        const store = new RedisStore({ client, commandTimeoutMs: 200 });
        const key = randomUUID();
        const claim = await store.claim(key, 60_000);
        if (claim.status !== 'claimed') throw new Error('claim failed');
        server.freeze();
        const error = await store.complete(key, claim.token, 60_000).catch((e: unknown) => e);
        server.thaw();
        expect(error).toMatchObject({ reason: 'timeout', operation: 'complete' });
        let again = await store.claim(key, 60_000);
        for (let i = 0; i < 20 && again.status !== 'done'; i++) {
          await sleep(50);
          again = await store.claim(key, 60_000);
        }
        expect(again.status).toBe('done');
      } finally {
        server.thaw();
        client.disconnect();
      }
    });

    for (const kind of ['ioredis', 'node-redis'] as const) {
      test(`${kind}: Redis stops (503, nothing processed), comes back (processed once, then duplicate)`, async () => {
        const ioredis = kind === 'ioredis' ? new Redis({ port: server.port, host: REDIS_HOST }) : undefined;
        ioredis?.on('error', () => {});
        const nodeRedis =
          kind === 'node-redis'
            ? createClient({ url: server.url, socket: { reconnectStrategy: () => 100 } })
            : undefined;
        nodeRedis?.on('error', () => {});
        await nodeRedis?.connect();
        const client = ioredis ?? nodeRedis;
        if (!client) throw new Error('no client');
        try {
          const store = new RedisStore({ client, commandTimeoutMs: 300 });
          const { deliver, processed } = receiverOver(store);
          const id = `msg_${randomUUID()}`;
          expect((await deliver(`msg_${randomUUID()}`)).status).toBe(200);

          await server.stop();
          const during = await deliver(id);
          expect(during.status).toBe(503);
          expect(during.headers['retry-after']).toBeDefined();
          expect(processed).not.toContain(id);

          await server.start();
          let after = await deliver(id);
          // As a sender would: retry on 503, and on 409 while a claim sent during the outage is given back.
          for (let i = 0; i < 50 && (after.status === 503 || after.status === 409); i++) {
            await sleep(100);
            after = await deliver(id);
          }
          expect(after.status).toBe(200);
          expect(JSON.parse(after.body)).toEqual({ status: 'processed' });
          expect((await deliver(id)).body).toBe('{"status":"duplicate"}');
          expect(processed.filter((p) => p === id)).toEqual([id]);
        } finally {
          ioredis?.disconnect();
          if (nodeRedis?.isOpen) await nodeRedis.close();
        }
      }, 20_000);
    }
  },
  { needsBinary: true },
);

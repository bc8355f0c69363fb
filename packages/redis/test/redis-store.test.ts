import { randomUUID } from 'node:crypto';
import {
  createReceiver,
  type DedupeStore,
  type HookgateError,
  isHookgateError,
  standardWebhooks,
  storeReasonOf,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { DEFAULT_PREFIX, RedisStore, RedisStoreError } from '@hookgate/redis';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../../test/support/net.js';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  RUN_PREFIX,
  removeRunKeysAfterAll,
  startSilentServer,
  startThrowawayCluster,
  startThrowawayRedis,
  type ThrowawayCluster,
  type ThrowawayRedis,
} from '../../../test/support/redis.js';
import { RespClient } from '../../../test/support/resp-client.js';
import { sleep } from '../../../test/support/time.js';

removeRunKeysAfterAll();

const SECRET = `whsec_${Buffer.from('hookgate-redis-test-secret').toString('base64')}`;

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

/** Redis Cluster's hash tag of a key: from the first `{` to the next `}`, or '' when there is none. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close < 0 ? '' : key.slice(open + 1, close);
}

/** The slot Redis Cluster gives a key: CRC16 (XMODEM) of its hash tag, or of the whole key without one. */
function keySlot(key: string): number {
  const tag = hashTag(key);
  let crc = 0;
  for (const byte of Buffer.from(tag === '' ? key : tag)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** The id a key was written for (plain in braces, or base64url after `#`). */
function idOf(key: string, prefix: string): string {
  const rest = key.slice(prefix.length).replace(/^(dedupe|order):/, '');
  return rest.startsWith('#{') ? Buffer.from(rest.slice(2, -1), 'base64url').toString() : rest.slice(1, -1);
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
    expect(() => new RedisStore({ sendCommand, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore({ sendCommand, commandTimeoutMs: Number.NaN })).toThrow(/commandTimeoutMs/);
    expect(new RedisStore({ sendCommand }).prefix).toBe(DEFAULT_PREFIX);
    expect(new RedisStore({ sendCommand }).commandTimeoutMs).toBe(1000);
  });

  test.each([
    [
      'a URL',
      'redis://:hunter2@redis.internal:6379/0',
      /not a string: RedisStore takes the client your app already has, not a URL/,
    ],
    ['a number', 6379, /not a number/],
    ['null', null, /not null/],
    ['an array', ['redis://localhost'], /not an array/],
    ['a function', () => {}, /not a function/],
    ['an object of another kind', { ping() {} }, /ioredis client or a node-redis client or cluster$/],
  ])('a client that is %s is a configuration error at construction, naming what is wrong', (_what, client, message) => {
    let thrown: unknown;
    try {
      new RedisStore({ client } as never);
    } catch (error) {
      thrown = error;
    }
    expect(isHookgateError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'invalid_configuration' });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toMatch(/hunter2|redis\.internal|\bin\b.*operator/);
  });

  test('a node-redis cluster is taken as the client (its commands are routed by key)', () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    expect(new RedisStore({ client: cluster }).prefix).toBe(DEFAULT_PREFIX);
  });

  test('every command is sent with the one key it acts on, so a cluster can route it', async () => {
    const sent: [string, string | undefined][] = [];
    const store = new RedisStore({
      prefix: 'p:',
      sendCommand: async (args, key) => {
        sent.push([args[0] ?? '', key]);
        if (args[0] === 'GET') return null;
        return args[0] === 'EVALSHA' && args[1] && key ? [0] : 1;
      },
    });
    await store.getCursor('cus_1');
    await store.claim('evt_1', 1000);
    await store.renew('evt_1', 't', 1000);
    await store.complete('evt_1', 't', 1000);
    await store.release('evt_1', 't');
    await store.advanceCursor('cus_1', undefined, 1, 1000);
    expect(sent).toEqual([
      ['GET', 'p:order:{cus_1}'],
      ['EVALSHA', 'p:dedupe:{evt_1}'],
      ['EVALSHA', 'p:dedupe:{evt_1}'],
      ['EVALSHA', 'p:dedupe:{evt_1}'],
      ['EVALSHA', 'p:dedupe:{evt_1}'],
      ['EVALSHA', 'p:order:{cus_1}'],
    ]);
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
    expect((error as Error).message).toBe('RedisStore release: connection refused (ECONNREFUSED)');
    expect(storeReasonOf(error)).toBe('connection refused');
  });

  test('a refused connection, a closed client and an unknown failure: a short reason, no host or port', async () => {
    const closedPort = await freePort();
    const refused = new RedisStore({
      sendCommand: async (args) => (await RespClient.connect(closedPort, REDIS_HOST)).sendCommand(args),
    });
    const unconnected = new RedisStore({ client: createClient({ url: `redis://${REDIS_HOST}:${closedPort}` }) });
    const odd = new RedisStore({
      sendCommand: async () => {
        throw new TypeError(`something about redis://user:pw@${REDIS_HOST}:${closedPort}`);
      },
    });
    const errors = await Promise.all(
      [refused, unconnected, odd].map((store) => store.claim('k', 1000).catch((e) => e)),
    );
    expect(errors.map(storeReasonOf)).toEqual(['connection refused', 'not connected', 'TypeError']);
    expect(errors.map((error: Error) => error.message)).toEqual([
      'RedisStore claim: connection refused (ECONNREFUSED)',
      'RedisStore claim: not connected (ClientClosedError)',
      'RedisStore claim: failed (TypeError)',
    ]);
    for (const error of errors) expect(String(error.message)).not.toMatch(new RegExp(`${closedPort}|127\\.0|pw`));
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
        expect((result.reason as Error).message).toMatch(/: timed out \(Redis did not answer within 150 ms\)$/);
        expect(storeReasonOf(result.reason)).toBe('timed out');
      }
    }
  });

  test('fail-closed (the default): the receiver answers 503 with Retry-After and runs no handler', async () => {
    const { deliver, processed, errors } = receiverOver(new RedisStore({ client, commandTimeoutMs: 150 }));
    const response = await deliver();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'store_unavailable',
        message: 'The dedupe store is unavailable (timed out)',
      },
    });
    expect(response.body).not.toContain(SECRET);
    expect(processed).toEqual([]);
    expect(errors[0]?.cause).toBeInstanceOf(RedisStoreError);
    // What the receiver's report can say about why the store is unavailable.
    expect(storeReasonOf(errors[0])).toBe('timed out');
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
    const prefix = `${RUN_PREFIX}layout:`;
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
    expect(await store.renew(key, claim.token, 90_000)).toBe(true);
    expect(await redis.get(redisKey)).toBe(`c:${claim.token}`);
    expect(await redis.pttl(redisKey)).toBeGreaterThan(85_000);
    expect(await store.complete(key, claim.token, 120_000)).toBe(true);
    expect(await redis.get(redisKey)).toBe('d');
    expect(await redis.pttl(redisKey)).toBeGreaterThan(115_000);
    expect(await redis.keys(`${prefix}*`)).toEqual([redisKey]);
  });

  test('a key that starts with } keeps a hash tag of its own: its dedupe and order keys share one slot', async () => {
    const prefix = `${RUN_PREFIX}tag:`;
    const store = new RedisStore({ client: redis, prefix });
    const ids = ['}', '}evt_1', '}{}', 'evt_}1', 'plain'];
    for (const id of ids) {
      const claim = await store.claim(id, 30_000);
      expect(claim.status).toBe('claimed');
      expect(await store.advanceCursor(id, undefined, 1, 30_000)).toBe(true);
    }
    const keys = (await redis.keys(`${prefix}*`)).sort();
    expect(keys).toHaveLength(ids.length * 2);
    for (const id of ids) {
      const [dedupe, order] = ['dedupe', 'order'].map((namespace) =>
        keys.find((key) => key.startsWith(`${prefix}${namespace}:`) && idOf(key, prefix) === id),
      );
      expect(dedupe, `no dedupe key for ${id}`).toBeDefined();
      expect(order, `no order key for ${id}`).toBeDefined();
      expect(hashTag(dedupe ?? '')).not.toBe('');
      expect(keySlot(dedupe ?? '')).toBe(keySlot(order ?? ''));
    }
    // Each id is still its own key: done for one is nothing for another.
    const first = await store.claim('}x', 30_000);
    if (first.status !== 'claimed') throw new Error('claim failed');
    expect(await store.complete('}x', first.token, 30_000)).toBe(true);
    expect((await store.claim('}y', 30_000)).status).toBe('claimed');
    expect((await store.claim('}x', 30_000)).status).toBe('done');
  });

  test('one round trip per operation, once the scripts are cached', async () => {
    const { sent, sendCommand } = counting(redis);
    const store = new RedisStore({ sendCommand, prefix: `${RUN_PREFIX}trips:` });
    await store.release('warm', 'x'); // may reload a script the server forgot
    await store.claim('warm', 1000);
    await store.complete('warm', 'x', 1000);
    sent.length = 0;
    const claim = await store.claim('k', 10_000);
    const inFlight = await store.claim('k', 10_000);
    if (claim.status !== 'claimed') throw new Error('claim failed');
    await store.renew('k', claim.token, 10_000);
    await store.complete('k', claim.token, 10_000);
    const done = await store.claim('k', 10_000);
    await store.release('k', claim.token);
    expect([inFlight.status, done.status]).toEqual(['in-flight', 'done']);
    expect(sent.map((args) => args[0])).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
  });

  test('through the receiver: processed once, a copy in flight gets 409 with the lease left as Retry-After, then duplicate', async () => {
    const store = new RedisStore({ client: redis, prefix: `${RUN_PREFIX}receiver:` });
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

    test('diagnose warns unless maxmemory-policy is noeviction, checks once, and never names the server', async () => {
      const admin = new Redis({ port: server.port, host: REDIS_HOST });
      const nodeRedis = createClient({ url: server.url });
      await nodeRedis.connect();
      try {
        const { sent, sendCommand } = counting(admin);
        await admin.call('CONFIG', ['SET', 'maxmemory-policy', 'noeviction']);
        for (const client of [admin, nodeRedis]) expect(await new RedisStore({ client }).diagnose()).toEqual([]);
        for (const policy of ['allkeys-lru', 'volatile-ttl']) {
          await admin.call('CONFIG', ['SET', 'maxmemory-policy', policy]);
          for (const store of [new RedisStore({ client: admin }), new RedisStore({ client: nodeRedis })]) {
            const [warning, ...more] = await store.diagnose();
            expect(more).toEqual([]);
            expect(warning).toMatch(new RegExp(`maxmemory-policy is ${policy}, not noeviction`));
            expect(warning).toMatch(/processed again/);
            expect(warning).not.toContain(String(server.port));
          }
        }
        const store = new RedisStore({ sendCommand });
        const [first, second] = [await store.diagnose(), await store.diagnose()];
        expect(second).toBe(first);
        expect(sent.filter(([command]) => command === 'CONFIG')).toHaveLength(1);
      } finally {
        await admin.call('CONFIG', ['SET', 'maxmemory-policy', 'noeviction']);
        admin.disconnect();
        await nodeRedis.close();
      }
    });

    test('diagnose says the policy could not be checked when CONFIG is refused, or Redis does not answer', async () => {
      const admin = new Redis({ port: server.port, host: REDIS_HOST });
      const user = `noconfig-${randomUUID()}`;
      await admin.call('ACL', ['SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-config']);
      const limited = new Redis({ port: server.port, host: REDIS_HOST, username: user, password: 'pw' });
      const silent = await startSilentServer();
      const hung = new Redis({ port: silent.port, host: REDIS_HOST, maxRetriesPerRequest: 1 });
      hung.on('error', () => {});
      try {
        expect(await new RedisStore({ client: limited }).diagnose()).toEqual([
          "RedisStore: could not check Redis' maxmemory-policy (CONFIG GET: permission denied). Unless it is noeviction, Redis may evict dedupe keys, and a delivery whose key was evicted is processed again.",
        ]);
        const [warning] = await new RedisStore({ client: hung, commandTimeoutMs: 150 }).diagnose();
        expect(warning).toMatch(/could not check .*\(CONFIG GET: timed out\)/);
        expect(warning).not.toContain(String(silent.port));
      } finally {
        limited.disconnect();
        hung.disconnect();
        await silent.close();
        await admin.call('ACL', ['DELUSER', user]);
        admin.disconnect();
      }
    });

    for (const kind of ['ioredis', 'node-redis'] as const) {
      test(`${kind}: a SUBSCRIBE that answers after its timeout leaves no subscribed connection, and the next listener subscribes again`, async () => {
        const admin = new Redis({ port: server.port, host: REDIS_HOST });
        const nodeRedis = kind === 'node-redis' ? createClient({ url: server.url }) : undefined;
        await nodeRedis?.connect();
        const client = nodeRedis ?? new Redis({ port: server.port, host: REDIS_HOST });
        const prefix = `late-subscribe:${randomUUID()}:`;
        const channel = `${prefix}order-changes`;
        const subscribers = async () => Number(((await admin.call('PUBSUB', ['NUMSUB', channel])) as unknown[])[1]);
        try {
          const store = new RedisStore({ client, prefix, commandTimeoutMs: 300 });
          await store.getCursor('warm-up');
          server.freeze();
          const error = await store.onCursorChange?.(() => {}).catch((e: unknown) => e);
          server.thaw();
          expect(error).toMatchObject({ reason: 'timeout', operation: 'subscribe' });
          // Redis now confirms the SUBSCRIBE it held: the store closes that connection.
          let count = await subscribers();
          for (let i = 0; i < 40 && count !== 0; i++) {
            await sleep(50);
            count = await subscribers();
          }
          await sleep(300);
          expect(await subscribers()).toBe(0);
          // The failure does not turn notifications off: the next listener subscribes, and hears.
          const heard: number[] = [];
          const stop = await store.onCursorChange?.((_key, cursor) => heard.push(cursor));
          expect(await subscribers()).toBe(1);
          await store.advanceCursor('k', undefined, 7, 10_000);
          for (let i = 0; i < 40 && heard.length === 0; i++) await sleep(25);
          expect(heard).toEqual([7]);
          await stop?.();
          for (let i = 0; i < 40 && (await subscribers()) !== 0; i++) await sleep(25);
          expect(await subscribers()).toBe(0);
        } finally {
          server.thaw();
          admin.disconnect();
          if (nodeRedis?.isOpen) await nodeRedis.close();
          else if (client instanceof Redis) client.disconnect();
        }
      }, 15_000);
    }

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

describeWithRedis(
  'RedisStore on a three-node Redis Cluster: each command goes to the node that owns its key',
  () => {
    let cluster: ThrowawayCluster;
    let admins: Redis[];
    beforeAll(async () => {
      cluster = await startThrowawayCluster(3);
      admins = cluster.ports.map((port) => new Redis({ port, host: REDIS_HOST }));
    }, 30_000);
    afterAll(async () => {
      for (const admin of admins ?? []) admin.disconnect();
      await cluster?.dispose();
    });

    /** MOVED redirects answered by all nodes since the last reset: a command sent to a node that does not own its key. */
    const movedSince = async (reset: boolean) => {
      let moved = 0;
      for (const admin of admins) {
        moved += Number(/errorstat_MOVED:count=(\d+)/.exec(String(await admin.call('INFO', ['errorstats'])))?.[1] ?? 0);
        if (reset) await admin.call('CONFIG', ['RESETSTAT']);
      }
      return moved;
    };

    /** Cursor reads and writes and a dedupe round on 30 keys, spread over the slots. */
    const exercise = async (store: RedisStore) => {
      for (let i = 0; i < 30; i++) {
        const key = `key-${i}-${randomUUID()}`;
        expect(await store.getCursor(key)).toBeUndefined();
        expect(await store.advanceCursor(key, undefined, 1, 10_000)).toBe(true);
        expect(await store.getCursor(key)).toBe(1);
        const claim = await store.claim(key, 10_000);
        if (claim.status !== 'claimed') throw new Error('claim failed');
        expect(await store.renew(key, claim.token, 10_000)).toBe(true);
        expect(await store.complete(key, claim.token, 10_000)).toBe(true);
      }
    };

    test('a node-redis cluster as the client, or a sendCommand that routes by its key argument: no redirects', async () => {
      const client = createCluster({
        rootNodes: cluster.ports.map((port) => ({ url: `redis://${REDIS_HOST}:${port}` })),
      });
      await client.connect();
      try {
        await movedSince(true);
        await exercise(new RedisStore({ client }));
        await exercise(new RedisStore({ sendCommand: (args, key) => client.sendCommand(key, false, args) }));
        expect(await movedSince(true)).toBe(0);
        // What the earlier README showed: the key taken from args[3], where a GET has none, so reads go to any
        // node and are redirected. node-redis follows MOVED to another random node for a keyless command, so
        // such a read may even fail after 16 redirects: only MOVED may go wrong here.
        const misrouted = new RedisStore({ sendCommand: (args) => client.sendCommand(args[3], false, args) });
        for (let i = 0; i < 30; i++) {
          await misrouted.getCursor(`key-${i}-${randomUUID()}`).catch((error: unknown) => {
            expect(String((error as Error).message)).toContain('MOVED');
          });
        }
        expect(await movedSince(true)).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    });

    test('an ioredis Cluster: no redirects', async () => {
      const client = new Cluster(cluster.ports.map((port) => ({ host: REDIS_HOST, port })));
      try {
        await movedSince(true);
        await exercise(new RedisStore({ client }));
        expect(await movedSince(true)).toBe(0);
      } finally {
        await client.quit();
      }
    });
  },
  { needsBinary: true },
);

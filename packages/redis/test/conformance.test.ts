import { MemoryStore } from '@hookgate/core';
import { runOrderStoreConformance, runStoreConformance } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { Redis as RedisV6 } from 'ioredis-v6';
import { createClient } from 'redis';
import { createClient as createClientV4 } from 'redis-v4';
import { createClient as createClientV6 } from 'redis-v6';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from './redis-server.js';
import { RespClient } from './resp-client.js';

// Redis expires keys to the millisecond, but the expiry tests sleep a few
// multiples of this; 150 ms keeps them clear of scheduler noise on a busy box.
const shortMs = 150;

describe('MemoryStore', () => {
  runStoreConformance(test, () => new MemoryStore(), { shortMs });
});

describeWithRedis('RedisStore over ioredis v5', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: false });
  });
  afterAll(() => client.quit());
  runStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
  runOrderStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
});

describeWithRedis('RedisStore over ioredis v6', () => {
  let client: RedisV6;
  beforeAll(() => {
    client = new RedisV6({ host: REDIS_HOST, port: REDIS_PORT });
  });
  afterAll(() => client.quit());
  runStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
  runOrderStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
});

describeWithRedis('RedisStore over node-redis v6', () => {
  let client: ReturnType<typeof createClientV6>;
  beforeAll(async () => {
    client = createClientV6({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.close());
  runStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
  runOrderStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
});

describeWithRedis('RedisStore over node-redis v5', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.close());
  runStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
  runOrderStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
});

describeWithRedis('RedisStore over node-redis v4', () => {
  let client: ReturnType<typeof createClientV4>;
  beforeAll(async () => {
    client = createClientV4({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.quit());
  runStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
  runOrderStoreConformance(test, ({ prefix }) => new RedisStore({ client, prefix: `test:${prefix}` }), { shortMs });
});

describeWithRedis('RedisStore over a bare sendCommand function', () => {
  let resp: RespClient;
  beforeAll(async () => {
    resp = await RespClient.connect(REDIS_PORT, REDIS_HOST);
  });
  afterAll(() => resp.close());
  runStoreConformance(
    test,
    ({ prefix }) => new RedisStore({ sendCommand: resp.sendCommand, prefix: `test:${prefix}` }),
    {
      shortMs,
    },
  );
  runOrderStoreConformance(
    test,
    ({ prefix }) => new RedisStore({ sendCommand: resp.sendCommand, prefix: `test:${prefix}` }),
    { shortMs },
  );
});

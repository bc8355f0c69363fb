import { runOrderStoreConformance, runStoreConformance } from '@hookgate/core/testing';
import { RedisStore, type RedisStoreOptions } from '@hookgate/redis';
import { Cluster, Redis } from 'ioredis';
import { Redis as RedisV6 } from 'ioredis-v6';
import { createClient, createCluster } from 'redis';
import { createClient as createClientV4, createCluster as createClusterV4 } from 'redis-v4';
import { createClient as createClientV6 } from 'redis-v6';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  RUN_PREFIX,
  removeRunKeysAfterAll,
  startThrowawayCluster,
  type ThrowawayCluster,
} from '../../../test/support/redis.js';
import { RespClient } from '../../../test/support/resp-client.js';

// Redis expires keys to the millisecond, but the expiry tests sleep a few
// multiples of this; 150 ms keeps them clear of scheduler noise on a busy box.
const shortMs = 150;

// MemoryStore runs the same suites in packages/core/test/memory-store.test.ts.

removeRunKeysAfterAll();

/** Both suites over stores made by `options` (which gives the client), under this run's prefix. */
function runBothSuites(options: () => Omit<RedisStoreOptions, 'prefix'>): void {
  const make = ({ prefix }: { prefix: string }) =>
    new RedisStore({ ...options(), prefix: `${RUN_PREFIX}${prefix}` } as RedisStoreOptions);
  runStoreConformance(test, make, { shortMs });
  runOrderStoreConformance(test, make, { shortMs });
}

describeWithRedis('RedisStore over ioredis v5', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: false });
  });
  afterAll(() => client.quit());
  runBothSuites(() => ({ client }));
});

describeWithRedis('RedisStore over ioredis v6', () => {
  let client: RedisV6;
  beforeAll(() => {
    client = new RedisV6({ host: REDIS_HOST, port: REDIS_PORT });
  });
  afterAll(() => client.quit());
  runBothSuites(() => ({ client }));
});

describeWithRedis('RedisStore over node-redis v6', () => {
  let client: ReturnType<typeof createClientV6>;
  beforeAll(async () => {
    client = createClientV6({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.close());
  runBothSuites(() => ({ client }));
});

describeWithRedis('RedisStore over node-redis v5', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.close());
  runBothSuites(() => ({ client }));
});

describeWithRedis('RedisStore over node-redis v4', () => {
  let client: ReturnType<typeof createClientV4>;
  beforeAll(async () => {
    client = createClientV4({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.quit());
  runBothSuites(() => ({ client }));
});

describeWithRedis('RedisStore over a bare sendCommand function', () => {
  let resp: RespClient;
  beforeAll(async () => {
    resp = await RespClient.connect(REDIS_PORT, REDIS_HOST);
  });
  afterAll(() => resp.close());
  runBothSuites(() => ({ sendCommand: resp.sendCommand }));
});

describeWithRedis(
  'RedisStore on a three-node Redis Cluster',
  () => {
    let cluster: ThrowawayCluster;
    const rootNodes = () => cluster.ports.map((port) => ({ url: `redis://${REDIS_HOST}:${port}` }));
    beforeAll(async () => {
      cluster = await startThrowawayCluster(3);
    }, 30_000);
    afterAll(() => cluster?.dispose());

    describe('ioredis Cluster', () => {
      let client: Cluster;
      beforeAll(() => {
        client = new Cluster(cluster.ports.map((port) => ({ host: REDIS_HOST, port })));
      });
      afterAll(() => client.quit());
      runBothSuites(() => ({ client }));
    });

    describe('node-redis v5 cluster, passed as the client', () => {
      let client: ReturnType<typeof createCluster>;
      beforeAll(async () => {
        client = createCluster({ rootNodes: rootNodes() });
        await client.connect();
      });
      afterAll(() => client.close());
      runBothSuites(() => ({ client }));
    });

    describe('node-redis v4 cluster, passed as the client', () => {
      let client: ReturnType<typeof createClusterV4>;
      beforeAll(async () => {
        client = createClusterV4({ rootNodes: rootNodes() });
        await client.connect();
      });
      afterAll(() => client.quit());
      runBothSuites(() => ({ client }));
    });

    describe('node-redis v5 cluster through sendCommand, routed by its key argument', () => {
      let client: ReturnType<typeof createCluster>;
      beforeAll(async () => {
        client = createCluster({ rootNodes: rootNodes() });
        await client.connect();
      });
      afterAll(() => client.close());
      runBothSuites(() => ({ sendCommand: (args, key) => client.sendCommand(key, false, args) }));
    });
  },
  { needsBinary: true },
);

import type { DedupeStore } from '@hookgate/core';
import { RedisStore, type RedisStoreOptions } from '@hookgate/redis';
import { type Cluster, Redis } from 'ioredis';
import type { Redis as RedisV6 } from 'ioredis-v6';
import type { createClient, createCluster } from 'redis';
import type { createClient as createClientV4, createCluster as createClusterV4 } from 'redis-v4';
import type { createClient as createClientV6, createCluster as createClusterV6 } from 'redis-v6';
import { expectTypeOf, test } from 'vitest';

test('RedisStore takes the clients apps already have', () => {
  expectTypeOf(new RedisStore({ client: new Redis({ lazyConnect: true }) })).toEqualTypeOf<RedisStore>();
  expectTypeOf<{ client: Cluster }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createClient> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createClientV4> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createClientV6> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: RedisV6 }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createCluster> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createClusterV4> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: ReturnType<typeof createClusterV6> }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{
    sendCommand: (args: string[], key: string | undefined) => Promise<unknown>;
  }>().toExtend<RedisStoreOptions>();
  expectTypeOf<{ sendCommand: (args: string[]) => Promise<unknown>; prefix: string }>().toExtend<RedisStoreOptions>();
  expectTypeOf<RedisStore>().toExtend<DedupeStore>();
  expectTypeOf<RedisStore['renew']>().toEqualTypeOf<
    (key: string, token: string, leaseMs: number) => Promise<boolean>
  >();
  expectTypeOf<RedisStore['diagnose']>().toEqualTypeOf<() => Promise<readonly string[]>>();
});

test('RedisStore wants one client or one sendCommand, and no URL', () => {
  expectTypeOf<{ url: string }>().not.toExtend<RedisStoreOptions>();
  expectTypeOf<{ client: string }>().not.toExtend<RedisStoreOptions>();
  expectTypeOf<Record<string, never>>().not.toExtend<RedisStoreOptions>();
  expectTypeOf<{
    client: Redis;
    sendCommand: (args: string[]) => Promise<unknown>;
  }>().not.toExtend<RedisStoreOptions>();
});

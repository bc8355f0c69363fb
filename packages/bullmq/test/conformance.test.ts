import { randomUUID } from 'node:crypto';
import { BullMQQueue } from '@hookgate/bullmq';
import { runQueueConformance } from '@hookgate/core/testing';
import { createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, test } from 'vitest';
import { IN_CI } from '../../../test/support/ci.js';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from '../../../test/support/redis.js';

const PG_URL = 'postgresql://postgres@127.0.0.1:5432/test';

describeWithRedis('BullMQQueue on Redis', () => {
  // Every queue of this run lives under its own prefix, removed at the end: others share this Redis.
  const prefix = `hg-test-${randomUUID()}`;
  afterAll(async () => {
    const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  runQueueConformance(
    test,
    ({ name }) =>
      new BullMQQueue({
        name,
        prefix,
        connection: { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null },
        stalledIntervalMs: 1_000,
      }),
  );
});

async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgUp = await postgresUp();
const describePg = pgUp ? describe : IN_CI ? describe : describe.skip;

describePg('BullMQQueue on PostgreSQL (BullMQ 6 backend)', () => {
  // A schema of its own, dropped at the end.
  const schema = `hg_test_${randomUUID().replaceAll('-', '')}`;
  if (!pgUp) {
    test('PostgreSQL is available (required under CI)', () => {
      throw new Error(`PostgreSQL does not answer at ${PG_URL}`);
    });
    return;
  }
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });
  runQueueConformance(
    test,
    ({ name }) =>
      new BullMQQueue({
        name,
        connection: { connectionString: PG_URL, schema, max: 4, migrate: true },
        backend: createPostgresBackend,
        stalledIntervalMs: 1_000,
      }),
  );
});

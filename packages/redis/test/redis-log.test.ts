import { randomUUID } from 'node:crypto';
import { createReceiver, github, type HookgateError, type LogEntry } from '@hookgate/core';
import { logEntryFixture, runDeliveryLogConformance, signGitHub } from '@hookgate/core/testing';
import { RedisDeliveryLog, RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../../test/support/net.js';
import { describeWithRedis, REDIS_HOST, REDIS_PORT, startSilentServer } from '../../../test/support/redis.js';
import { RespClient } from '../../../test/support/resp-client.js';

const SECRET = 'redis-log-test-secret';

function bounds(options: { maxEntries?: number; ttlMs?: number }) {
  const out: { maxEntries?: number; ttlMs?: number } = {};
  if (options.maxEntries !== undefined) out.maxEntries = options.maxEntries;
  if (options.ttlMs !== undefined) out.ttlMs = options.ttlMs;
  return out;
}

describeWithRedis('RedisDeliveryLog conformance over ioredis', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  });
  afterAll(() => client.quit());
  runDeliveryLogConformance(
    test,
    ({ prefix, ...rest }) => new RedisDeliveryLog({ client, prefix: `test:${prefix}`, ...bounds(rest) }),
  );
});

describeWithRedis('RedisDeliveryLog conformance over node-redis', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: `redis://${REDIS_HOST}:${REDIS_PORT}` });
    await client.connect();
  });
  afterAll(() => client.close());
  runDeliveryLogConformance(
    test,
    ({ prefix, ...rest }) => new RedisDeliveryLog({ client, prefix: `test:${prefix}`, ...bounds(rest) }),
  );
});

describeWithRedis('RedisDeliveryLog over a bare sendCommand', () => {
  let resp: RespClient;
  let client: Redis;
  beforeAll(async () => {
    resp = await RespClient.connect(REDIS_PORT, REDIS_HOST);
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  });
  afterAll(async () => {
    resp.close();
    await client.quit();
  });
  runDeliveryLogConformance(
    test,
    ({ prefix, ...rest }) =>
      new RedisDeliveryLog({ sendCommand: resp.sendCommand, prefix: `test:${prefix}`, ...bounds(rest) }),
  );

  test('an append is one round trip, and every key carries the {log} hash tag under the prefix', async () => {
    const prefix = `test:log-keys:${randomUUID()}:`;
    const commands: string[][] = [];
    const log = new RedisDeliveryLog({
      prefix,
      sendCommand: (args) => {
        commands.push(args);
        return resp.sendCommand(args);
      },
    });
    await log.append(
      logEntryFixture({
        captured: true,
        capture: { body: Buffer.from('{}'), bodyBytes: 2, headers: {}, envelope: undefined },
      }),
    );
    expect(commands.length).toBe(1); // EVALSHA (a second only on NOSCRIPT, once per server)
    const keys = (await client.keys(`${prefix}*`)).sort();
    expect(keys.length).toBe(5);
    for (const key of keys) expect(key.startsWith(`${prefix}log:{log}:`)).toBe(true);
    for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
  });

  test('size trimming deletes the dropped entries, not only their index members', async () => {
    const prefix = `test:log-trim:${randomUUID()}:`;
    const log = new RedisDeliveryLog({ client, prefix, maxEntries: 3 });
    for (let index = 0; index < 10; index++) {
      await log.append(
        logEntryFixture({
          receivedAt: Date.now() - 1000 + index,
          captured: true,
          capture: { body: Buffer.alloc(100), bodyBytes: 100, headers: {}, envelope: undefined },
        }),
      );
    }
    expect((await client.keys(`${prefix}log:{log}:e:*`)).length).toBe(3);
    expect((await client.keys(`${prefix}log:{log}:c:*`)).length).toBe(3);
    expect(await client.zcard(`${prefix}log:{log}:index`)).toBe(3);
  });

  test('a GitHub delivery failed inline is captured in Redis; replay runs it once, again is a duplicate', async () => {
    const prefix = `test:log-replay:${randomUUID()}:`;
    const log = new RedisDeliveryLog({ client, prefix });
    const receiver = createReceiver({
      scheme: github({ secret: SECRET }),
      dedupe: { store: new RedisStore({ client, prefix }) },
      log: { store: log, capture: 'failed' },
    });
    let broken = true;
    const ran: boolean[] = [];
    receiver.on('issues.opened', (_event, ctx) => {
      if (broken) throw new Error('bug');
      ran.push(ctx.replay);
    });
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    const delivery = randomUUID();
    const headers = { ...signGitHub({ secret: SECRET, body, event: 'issues', delivery }) };
    expect((await receiver.handle({ method: 'POST', headers, body })).status).toBe(500);
    await receiver.close(); // flushes the log
    const [failed] = (await log.list({ outcome: 'failed' })).entries as [LogEntry];
    expect(failed).toMatchObject({ id: delivery, captured: true, attempts: 1 });
    broken = false;
    const replayed = await receiver.replay(failed.key);
    expect(replayed.outcome).toBe('processed');
    expect((await receiver.replay(failed.key)).outcome).toBe('duplicate');
    expect(ran).toEqual([true]);
    await receiver.close();
    const own = await log.get(replayed.logKey);
    expect(own).toMatchObject({ outcome: 'processed', replayOf: failed.key, attempts: 2 });
  });
});

describeWithRedis('RedisDeliveryLog when Redis is down', () => {
  test('the answer is unchanged and the failure goes to onError, for a refused and a silent server', async () => {
    const silent = await startSilentServer();
    const refusedPort = await freePort();
    for (const port of [refusedPort, silent.port]) {
      const client = new Redis({ host: REDIS_HOST, port, maxRetriesPerRequest: 0, lazyConnect: true });
      client.on('error', () => {});
      const log = new RedisDeliveryLog({ client, commandTimeoutMs: 200 });
      const errors: HookgateError[] = [];
      const receiver = createReceiver({ scheme: github({ secret: SECRET }), log: { store: log, capture: 'all' } });
      receiver.on('issues.opened', () => {});
      receiver.onError((error) => errors.push(error));
      const body = JSON.stringify({ action: 'opened' });
      const headers = signGitHub({ secret: SECRET, body, event: 'issues' });
      const response = await receiver.handle({ method: 'POST', headers, body });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ status: 'processed' });
      await receiver.close();
      expect(errors.map((error) => error.code)).toEqual(['log_unavailable']);
      expect(errors[0]?.message).not.toContain(String(port));
      client.disconnect();
    }
    await silent.close();
  });
});

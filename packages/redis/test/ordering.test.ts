/**
 * RedisStore as the ordering store: a held event wakes through pub/sub when
 * another receiver (another process, in production) advances the cursor; a
 * Redis that refuses SUBSCRIBE leaves no connections behind, and the poll
 * still wakes held events.
 */
import { randomUUID } from 'node:crypto';
import { createReceiver, type OrderOptions, type ReceiverRequest, standardWebhooks } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { RedisStore } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  describeWithRedis,
  REDIS_HOST,
  REDIS_PORT,
  RUN_PREFIX,
  removeRunKeysAfterAll,
  startThrowawayRedis,
  type ThrowawayRedis,
} from '../../../test/support/redis.js';
import { sleep } from '../../../test/support/time.js';

removeRunKeysAfterAll();

const secret = `whsec_${Buffer.from('hookgate-redis-ordering').toString('base64')}`;
const scheme = standardWebhooks({ secret });

interface Update {
  data: { customer: string; seq: number };
}
const order = (pollMs: number): OrderOptions<unknown> => ({
  key: (e) => (e as Update).data.customer,
  sequence: (e) => (e as Update).data.seq,
  start: 1,
  holdMs: 20_000,
  pollMs,
});

function update(customer: string, seq: number): ReceiverRequest {
  const body = JSON.stringify({ type: 'customer.updated', data: { customer, seq } });
  return { method: 'POST', headers: signStandardWebhooks({ secret, body, id: `${customer}-${seq}` }), body };
}

describeWithRedis(
  'RedisStore ordering across receivers',
  () => {
    const clients: Redis[] = [];
    const connect = (port = REDIS_PORT, options: { username?: string; password?: string } = {}) => {
      const client = new Redis({ host: REDIS_HOST, port, ...options });
      client.on('error', () => {});
      clients.push(client);
      return client;
    };
    afterAll(() => {
      for (const client of clients) client.disconnect();
    });

    test('a held event wakes through pub/sub when another receiver advances the cursor', async () => {
      const prefix = `${RUN_PREFIX}${randomUUID()}:`;
      // The poll is far beyond the test's time limit: only a notification can wake the held event in time.
      const a = createReceiver({
        scheme,
        dedupe: { store: new RedisStore({ client: connect(), prefix }), leaseMs: 60_000 },
        order: order(60_000),
      });
      const b = createReceiver({
        scheme,
        dedupe: { store: new RedisStore({ client: connect(), prefix }), leaseMs: 60_000 },
        order: order(60_000),
      });
      const seen: string[] = [];
      a.onAny((e) => {
        seen.push(`a:${(e as Update).data.seq}`);
      });
      b.onAny((e) => {
        seen.push(`b:${(e as Update).data.seq}`);
      });
      const held = b.handle(update('cust', 2));
      await sleep(300); // b is holding, subscribed
      expect((await a.handle(update('cust', 1))).status).toBe(200);
      expect((await held).status).toBe(200);
      expect(seen).toEqual(['a:1', 'b:2']);
      await Promise.all([a.close(), b.close()]);
    }, 10_000);

    describe_noSubscribe();

    function describe_noSubscribe() {
      let server: ThrowawayRedis;
      beforeAll(async () => {
        server = await startThrowawayRedis();
        const admin = connect(server.port);
        await admin.call('ACL', 'SETUSER', 'nosub', 'on', '>pw', '~*', '&*', '+@all', '-subscribe');
      });
      afterAll(() => server?.dispose());

      test('a Redis that refuses SUBSCRIBE: no connection is left behind, and the poll still wakes held events', async () => {
        const admin = connect(server.port);
        const connections = async () => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1]);
        const client = connect(server.port, { username: 'nosub', password: 'pw' });
        await client.ping();
        const before = await connections();
        const receiver = createReceiver({
          scheme,
          dedupe: { store: new RedisStore({ client, prefix: 'p:' }), leaseMs: 60_000 },
          order: order(50),
        });
        const held = Array.from({ length: 5 }, (_, i) => receiver.handle(update(`k${i}`, 2)));
        await sleep(200);
        await Promise.all(Array.from({ length: 5 }, (_, i) => receiver.handle(update(`k${i}`, 1))));
        expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
        await receiver.close();
        await sleep(100);
        expect(await connections()).toBe(before);
      }, 15_000);

      test('a Redis restarted without persistence loses the cursors: the key restarts instead of stalling forever', async () => {
        const restarting = await startThrowawayRedis();
        try {
          const client = connect(restarting.port);
          const receiver = createReceiver({
            scheme,
            dedupe: { store: new RedisStore({ client, prefix: 'r:' }), leaseMs: 60_000 },
            order: { ...order(50), holdMs: 300, restartAfterMs: 0 },
          });
          const seen: [number, boolean][] = [];
          receiver.onAny((e, ctx) => {
            seen.push([(e as Update).data.seq, ctx.gap]);
          });
          expect((await receiver.handle(update('monthly', 1))).status).toBe(200);
          expect((await receiver.handle(update('monthly', 2))).status).toBe(200);
          await restarting.stop(); // no persistence: every cursor (and dedupe key) is gone
          await restarting.start();
          await client.ping();
          // Seq 3 would wait for seq 1 forever; after its hold the key restarts at 3, and 4 follows in order.
          expect((await receiver.handle(update('monthly', 3))).status).toBe(200);
          expect((await receiver.handle(update('monthly', 4))).status).toBe(200);
          expect(seen).toEqual([
            [1, false],
            [2, false],
            [3, true],
            [4, false],
          ]);
          await receiver.close();
        } finally {
          await restarting.dispose();
        }
      }, 20_000);
    }
  },
  { needsBinary: true },
);

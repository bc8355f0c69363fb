/**
 * A Redis outage or timeout reads the same in every message that tells it, whether
 * RedisStore or RedisDeliveryLog put it in their words (storeReason) or the receiver
 * read the client's own error (a store or a queue of one's own over the same client).
 */
import { randomUUID } from 'node:crypto';
import {
  createReceiver,
  type DedupeStore,
  type HookgateError,
  type QueueSink,
  type ReceiverOptions,
  STORE_FAILURES,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { RedisDeliveryLog, RedisStore, type SendCommand } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../../test/support/net.js';
import { REDIS_HOST, startSilentServer } from '../../../test/support/redis.js';
import { RespClient } from '../../../test/support/resp-client.js';

const SECRET = `whsec_${Buffer.from('hookgate-failure-reasons').toString('base64')}`;
/** The stores' and the enqueue's bound: long where an outage must fail by itself, short where Redis hangs. */
const OUTAGE_TIMEOUT_MS = 2_000;
const HANG_TIMEOUT_MS = 150;

/** A dedupe store of one's own over the client: its errors reach the receiver as the client threw them. */
function ownStore(send: SendCommand): DedupeStore {
  return {
    claim: async (key, leaseMs) => {
      await send(['SET', key, 'claimed', 'NX', 'PX', String(leaseMs)], key);
      return { status: 'claimed', token: key };
    },
    complete: async () => true,
    release: async () => true,
  };
}

/** A queue of one's own over the client, likewise. */
function ownQueue(send: SendCommand): QueueSink {
  return {
    enqueue: async (message) => {
      await send(['RPUSH', 'jobs', JSON.stringify(message.envelope)]);
    },
  };
}

type Path = (send: SendCommand, commandTimeoutMs: number) => Partial<ReceiverOptions>;

/** Every way a Redis failure reaches a receiver's messages. */
const PATHS: Record<string, Path> = {
  'RedisStore (dedupe)': (sendCommand, commandTimeoutMs) => ({
    dedupe: { store: new RedisStore({ sendCommand, commandTimeoutMs }) },
  }),
  'RedisStore (ordering)': (sendCommand, commandTimeoutMs) => ({
    dedupe: false,
    order: {
      key: (event) => (event as { data: { id: string } }).data.id,
      sequence: () => 1,
      start: 1,
      store: new RedisStore({ sendCommand, commandTimeoutMs }),
    },
  }),
  'RedisDeliveryLog (reported)': (sendCommand, commandTimeoutMs) => ({
    dedupe: false,
    log: { store: new RedisDeliveryLog({ sendCommand, commandTimeoutMs }) },
  }),
  'a store of its own': (send) => ({ dedupe: { store: ownStore(send) } }),
  'a queue of its own': (send, enqueueTimeoutMs) => ({ dedupe: false, queue: ownQueue(send), enqueueTimeoutMs }),
};

/** The reason each path's message gives: the 503's, or for the log (whose failure does not change the answer) the report's. */
async function reasonsOver(send: SendCommand, timeoutMs: number): Promise<Record<string, string>> {
  const reasons: Record<string, string> = {};
  for (const [name, path] of Object.entries(PATHS)) {
    const errors: HookgateError[] = [];
    const receiver = createReceiver({ scheme: standardWebhooks({ secret: SECRET }), ...path(send, timeoutMs) })
      .onAny(() => {})
      .onError((error) => errors.push(error));
    const id = `msg_${randomUUID()}`;
    const body = JSON.stringify({ type: 'invoice.paid', data: { id } });
    const answer = await receiver.handle({
      method: 'POST',
      headers: signStandardWebhooks({ secret: SECRET, body, id }),
      body,
    });
    await receiver.close();
    const message =
      answer.status === 503
        ? (JSON.parse(answer.body) as { error: { message: string } }).error.message
        : (errors[0]?.message ?? `answered ${answer.status}, nothing reported`);
    reasons[name] = /\(([^()]+)\)$/.exec(message)?.[1] ?? message;
  }
  return reasons;
}

function everyPath(reason: string): Record<string, string> {
  return Object.fromEntries(Object.keys(PATHS).map((name) => [name, reason]));
}

describe('a Redis outage reads the same on every path', () => {
  let closedPort: number;
  beforeAll(async () => {
    closedPort = await freePort();
  });

  test('nothing listening (a bare client connecting per command): connection refused', async () => {
    const send: SendCommand = async (args) => {
      const client = await RespClient.connect(closedPort, REDIS_HOST);
      try {
        return await client.sendCommand(args);
      } finally {
        client.close();
      }
    };
    expect(await reasonsOver(send, OUTAGE_TIMEOUT_MS)).toEqual(everyPath(STORE_FAILURES.connectionRefused));
  });

  test('ioredis that gave up reconnecting, and node-redis never connected: not connected', async () => {
    const ioredis = new Redis({ host: REDIS_HOST, port: closedPort, maxRetriesPerRequest: 0 });
    ioredis.on('error', () => {});
    const nodeRedis = createClient({ url: `redis://${REDIS_HOST}:${closedPort}` });
    try {
      const ioredisSend: SendCommand = (args) => ioredis.call(args[0] as string, args.slice(1));
      expect(await reasonsOver(ioredisSend, OUTAGE_TIMEOUT_MS)).toEqual(everyPath(STORE_FAILURES.notConnected));
      const nodeRedisSend: SendCommand = (args) => nodeRedis.sendCommand(args);
      expect(await reasonsOver(nodeRedisSend, OUTAGE_TIMEOUT_MS)).toEqual(everyPath(STORE_FAILURES.notConnected));
    } finally {
      ioredis.disconnect();
    }
  });
});

describe('a Redis that does not answer reads the same on every path', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let ioredis: Redis;
  beforeAll(async () => {
    silent = await startSilentServer();
    // The client's own timeout (for a store or queue of one's own) is the stores' too.
    ioredis = new Redis({ host: REDIS_HOST, port: silent.port, commandTimeout: HANG_TIMEOUT_MS });
    ioredis.on('error', () => {});
  });
  afterAll(async () => {
    ioredis.disconnect();
    await silent.close();
  });

  test('timed out, whether the store, the client or the enqueue bound gave up', async () => {
    const send: SendCommand = (args) => ioredis.call(args[0] as string, args.slice(1));
    expect(await reasonsOver(send, HANG_TIMEOUT_MS)).toEqual(everyPath(STORE_FAILURES.timedOut));
  });
});
